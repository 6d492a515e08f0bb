import { emmettSqlite } from './emmett-sqlite.js';
import { eventedSqlite } from './evented-sqlite.js';
import { rawSqlite } from './raw-sqlite.js';
import type { TargetInfo, TargetName } from './target.js';

/** Every target, in the order the report lists them. */
export const targets: Readonly<Record<TargetName, TargetInfo>> = {
  'evented-sqlite': eventedSqlite,
  'raw-sqlite': rawSqlite,
  'emmett-sqlite': emmettSqlite,
};

/** Whether a string names a target. */
export const isTargetName = (name: string): name is TargetName => name in targets;
