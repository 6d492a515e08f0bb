import { afterAll } from 'vitest';
import { describeStorage, describeWithService } from '@evented/conformance';
import { freshStorages, postgres, useDatabaseLock } from './test-support/postgres-service.js';

// Runs of each fast-check property; raise EVENTED_PROPERTY_RUNS for a soak run.
const propertyRuns = Number(process.env['EVENTED_PROPERTY_RUNS'] ?? 30);

describeWithService('PostgreSQL', postgres, () => {
  useDatabaseLock('shared');
  // A fresh schema for every storage, dropped when the suite closes it.
  const { factory, cleanup } = freshStorages();
  afterAll(cleanup);
  describeStorage('PostgreSQL', factory, { propertyRuns });
});
