import { type Kysely, sql } from 'kysely';
import { KyselyAccountStore } from './account-store.js';
import type { AccountStore, DeliveryStore, JobStore, SquishDatabase } from './database.js';
import { KyselyDeliveryStore } from './delivery-store.js';
import { KyselyJobStore } from './job-store.js';
import type { Tables } from './schema.js';

/** The data layer over one Kysely instance, whatever its dialect. */
export class KyselyDatabase implements SquishDatabase {
  readonly accounts: AccountStore;
  readonly jobs: JobStore;
  readonly deliveries: DeliveryStore;
  private closed?: Promise<void>;

  constructor(
    readonly dialect: SquishDatabase['dialect'],
    private readonly db: Kysely<Tables>,
  ) {
    this.accounts = new KyselyAccountStore(db);
    this.jobs = new KyselyJobStore(db);
    this.deliveries = new KyselyDeliveryStore(db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Closes the connection; calling it again waits for the same close. */
  close(): Promise<void> {
    this.closed ??= this.db.destroy();
    return this.closed;
  }
}
