/**
 * Given/when/then test fixtures for evented applications: `@evented/core/testing`.
 * They need no store (the projector fixture takes one for read models kept in it) and no
 * test runner: a failed expectation throws node's `AssertionError` with a diff.
 */
export { aggregateFixture } from './aggregate-fixture.js';
export type {
  AggregateFixture,
  AggregateFixtureOptions,
  AggregateGiven,
  AggregateWhen,
  ExpectedEvent,
  LogicUnderTest,
  WhenCommand,
} from './aggregate-fixture.js';
export { projectorFixture } from './projector-fixture.js';
export type {
  ProjectorFixture,
  ProjectorFixtureOptions,
  ProjectorGiven,
} from './projector-fixture.js';
export { sagaFixture } from './saga-fixture.js';
export type {
  DispatchAnswer,
  ExpectedCommand,
  SagaFixture,
  SagaFixtureOptions,
  SagaGiven,
} from './saga-fixture.js';
export { EventLog, fixtureEventId } from './event-log.js';
export type { GivenEvent } from './event-log.js';
