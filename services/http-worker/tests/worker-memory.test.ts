import { createBus } from '@baton/bus';
import { workerSuite } from './worker-suite.ts';

workerSuite('in-process bus', async () => ({ bus: createBus({ kind: 'memory' }), cleanup: async () => undefined }));
