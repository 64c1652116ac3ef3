import { InProcessBus } from '../src/index.ts';
import { busConformance } from './conformance.ts';

busConformance({
  name: 'in-process',
  create: (options) => new InProcessBus(options),
  config: () => ({ kind: 'memory' }),
});
