import { afterAll } from 'vitest';

import { subscriptionCheckpointsContract } from '../testing/subscriptionCheckpointsContract.js';
import { createPostgresSubscriptionCheckpoints } from './subscriptionCheckpoints.js';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from './testing/postgresAvailability.js';

const postgres = await probePostgres();
const schemas: string[] = [];

describeWithPostgres(postgres, 'PostgreSQL subscription checkpoints', (url) => {
  afterAll(() => dropSchemas(url, schemas));
  subscriptionCheckpointsContract('postgres', async () => {
    const schema = uniqueTestSchema('accrue_subs');
    schemas.push(schema);
    return {
      checkpoints: await createPostgresSubscriptionCheckpoints({ connectionString: url, schema }),
      ownsConnection: true,
      reopen: () => createPostgresSubscriptionCheckpoints({ connectionString: url, schema }),
    };
  });
});
