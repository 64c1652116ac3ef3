// A fresh PostgreSQL database per test file (baton_t_<random>): the testkit's, shared by every suite.
export { createTestDatabase, MAINTENANCE_URL, type TestDatabase } from '@baton/testkit';
