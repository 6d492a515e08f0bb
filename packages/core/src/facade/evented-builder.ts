import type { BusinessLogic } from '../command-handling/business-logic.js';
import type { DomainRegistration } from '../command-handling/command-handler.js';
import { fromDecider } from '../command-handling/decider.js';
import type { Decider } from '../command-handling/decider.js';
import { EventedError } from '../errors/evented-error.js';
import type { Projector } from '../processors/projector.js';
import type { Saga } from '../processors/saga.js';
import { assertSnapshotPolicy } from '../snapshotting/snapshot-policy.js';
import type { SnapshotPolicy } from '../snapshotting/snapshot-policy.js';
import type { Upcaster } from '../upcasting/upcaster.js';
import { assertPositiveInteger, assertValidId } from '../validation/ids.js';
import type { Evented } from './evented.js';
import type { EventedConfig } from './evented-config.js';

/** A decider of any state and messages: each domain has its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any decider must fit
type AnyDecider = Decider<any, any, any>;

/** Options of one domain's registration. */
export interface BusinessLogicOptions {
  /** When to snapshot the domain's aggregates, in the background; see `SnapshotPolicy`. */
  readonly snapshots?: SnapshotPolicy;
  /** Short for `snapshots: { everyEvents: snapshotEvery }`. */
  readonly snapshotEvery?: number;
}

/** Sugar over an {@link EventedConfig}: each `with…` adds to it; `build()` runs it. */
export class EventedBuilder {
  #config: EventedConfig;
  readonly #open: (config: EventedConfig) => Promise<Evented>;

  /** Use `Evented.builder(config)`. */
  constructor(config: EventedConfig, open: (config: EventedConfig) => Promise<Evented>) {
    this.#config = config;
    this.#open = open;
  }

  /** Routes a domain's commands to business logic: a decider, or a `BusinessLogic`. */
  withBusinessLogic(
    domain: string,
    logic: BusinessLogic | AnyDecider,
    options: BusinessLogicOptions = {},
  ): this {
    assertValidId('domain', domain);
    if (this.#config.domains?.[domain]) {
      throw new EventedError('CONFIGURATION', `domain ${domain} has business logic already`, {
        domain,
      });
    }
    if (options.snapshotEvery !== undefined)
      assertPositiveInteger('snapshotEvery', options.snapshotEvery);
    if (options.snapshots !== undefined) assertSnapshotPolicy(options.snapshots);
    const registration: DomainRegistration = {
      logic: isDecider(logic) ? fromDecider(logic) : logic,
      ...(options.snapshotEvery !== undefined && { snapshotEvery: options.snapshotEvery }),
      ...(options.snapshots !== undefined && { snapshots: options.snapshots }),
    };
    this.#config = {
      ...this.#config,
      domains: { ...this.#config.domains, [domain]: registration },
    };
    return this;
  }

  /**
   * Adds upcasters of stored events, applied on every read; see `Upcaster`.
   *
   * ```ts
   * Evented.builder(config).withUpcasters({
   *   type: 'Deposited',
   *   fromVersion: 1,
   *   upcast: ({ data }) => ({ data: { ...(data as object), currency: 'EUR' } }),
   * });
   * ```
   */
  withUpcasters(...upcasters: Upcaster[]): this {
    this.#config = {
      ...this.#config,
      upcasters: [...(this.#config.upcasters ?? []), ...upcasters],
    };
    return this;
  }

  /** Adds a projector; its processor starts with the application. */
  withProjector(projector: Projector): this {
    assertValidId('projector.name', projector.name);
    this.#config = { ...this.#config, projectors: [...(this.#config.projectors ?? []), projector] };
    return this;
  }

  /** Adds a saga; its processor starts with the application. */
  withSaga(saga: Saga): this {
    assertValidId('saga.name', saga.name);
    this.#config = { ...this.#config, sagas: [...(this.#config.sagas ?? []), saga] };
    return this;
  }

  /** The config built so far. */
  get config(): EventedConfig {
    return this.#config;
  }

  /** Opens the stores and starts the processors. */
  build(): Promise<Evented> {
    return this.#open(this.#config);
  }
}

function isDecider(logic: BusinessLogic | AnyDecider): logic is AnyDecider {
  return 'decide' in logic && 'evolve' in logic;
}
