// The API on PostgreSQL (a fresh database) and Redis (a fresh key prefix): the distributed mode's backends.
import { apiSuites } from './api-suites.ts';

apiSuites('distributed');
