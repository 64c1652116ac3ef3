// The fanout scenarios on PGlite + the in-process bus (the all-in-one process).
import { fanoutSuite } from './suite.ts';

fanoutSuite('embedded');
