// The API on PGlite (in memory) and the in-process bus: the embedded mode's backends.
import { apiSuites } from './api-suites.ts';

apiSuites('embedded');
