import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { ClaimStore } from '../claim-store/claim-store.js';
import type { DeadLetterStore } from '../dead-letter-store/dead-letter-store.js';
import type { EventStore } from '../event-store/event-store.js';
import type { SnapshotStore } from '../snapshot-store/snapshot-store.js';

/** What a store can do beyond the ports' common ground. Branch on these, never on a name. */
export interface StorageCapabilities {
  /** `CheckpointStore.saveCheckpointWith` exists: read model and checkpoint in one transaction. */
  readonly transactionalCheckpoints: boolean;
  /** Other processes can append to the same store and readers see them. */
  readonly sharedAcrossProcesses: boolean;
}

/** The stores of one database, opened together and closed together. */
export interface Storage {
  readonly eventStore: EventStore;
  readonly snapshotStore: SnapshotStore;
  readonly checkpointStore: CheckpointStore;
  /** Segment claims with leases, for processors shared by several nodes. */
  readonly claimStore?: ClaimStore;
  /** Events processors parked instead of stopping at them. */
  readonly deadLetterStore?: DeadLetterStore;
  readonly capabilities: StorageCapabilities;
  /** Closes the connection; pending waits resolve, later calls fail with `CLOSED`. */
  close(): Promise<void>;
}
