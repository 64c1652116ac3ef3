// @baton/http-worker: executes `call: http` tasks (see README.md).
export { executeHttpCall, closeAgent, type HttpCallContext, type HttpCallOutcome } from './execute.ts';
export { createHttpWorker, HTTP_TASK_QUEUE, type HttpWorker, type HttpWorkerDeps } from './worker.ts';
export { httpWorkerOptionsFromEnv, httpWorkerOptions, outboundPolicyFromEnv, DEFAULT_OPTIONS, HttpWorkerConfigError, type HttpWorkerOptions } from './options.ts';
export { AddressPolicy, parseCidr, parseCidrList, type AddressDenial, type AddressPolicyConfig, type Cidr } from './address-policy.ts';
export { createCheckedAgent, AddressDeniedError } from './connector.ts';
