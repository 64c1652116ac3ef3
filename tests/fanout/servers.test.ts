// The fanout scenarios on the machine's PostgreSQL + Redis.
import { fanoutSuite } from './suite.ts';

fanoutSuite('servers');
