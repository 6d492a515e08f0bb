import { z } from 'zod';
import { EventedError } from '@evented/core';

/** One thing wrong with a configuration: the field, in dotted form, and what was expected. */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The field a path names: `domains.account.address`, `projectors[0].name`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}

/** Zod's issues in the words of a config file; unknown keys come with the known ones. */
export function issuesOfZod(error: z.ZodError, schema: z.ZodType): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      const expected = known.length > 0 ? `; expected one of ${known.join(', ')}` : '';
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: `unknown key${expected}`,
      }));
    }
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      return [{ path: issue.path, message: `is required (expected ${issue.expected})` }];
    }
    const message = issue.message.replace(/^Invalid (input|option): /, '');
    return [{ path: issue.path, message: message.charAt(0).toLowerCase() + message.slice(1) }];
  });
}

/**
 * The CONFIGURATION error listing every issue, each naming its field and where the value
 * came from: `listen (from --listen): expected host:port …`.
 */
export function configurationError(
  issues: readonly ConfigIssue[],
  origins: Readonly<Record<string, string>>,
): EventedError {
  const lines = issues.map((issue) => {
    const origin = originOf(issue.path, origins);
    const field = fieldOf(issue.path) || '(the configuration)';
    return `  ${field}${origin ? ` (from ${origin})` : ''}: ${issue.message}`;
  });
  return new EventedError('CONFIGURATION', `invalid configuration:\n${lines.join('\n')}`, {
    issues: issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })),
  });
}

function originOf(
  path: readonly PropertyKey[],
  origins: Readonly<Record<string, string>>,
): string | undefined {
  const keys = path.filter((key): key is string => typeof key === 'string');
  for (let length = keys.length; length > 0; length--) {
    const origin = origins[keys.slice(0, length).join('.')];
    if (origin !== undefined) return origin;
  }
  return undefined;
}

/** The keys an object schema accepts at `path`, for telling a typo from a missing feature. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, undefined]) {
    while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) node = node.unwrap();
    if (key === undefined) break;
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, unknown>)[String(key)];
    else if (node instanceof z.ZodRecord) node = node.valueType;
    else if (node instanceof z.ZodArray) node = node.element;
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}
