// Workflow secrets: grants per namespace, the secrets an expression reads, masking (see
// docs/SECURITY.md). Pure functions; loading them from the environment is @baton/runtime's job.
export { ALL_NAMESPACES, grantsOf, isGranted, lookupSecrets, secretAccessError, ungrantedSecrets, withGrants, type SecretGrants, type SecretLookup } from './grants.ts';
export { combineMaskers, createSecretMasker, maskVariants, MIN_MASKED_LENGTH, SECRET_MASK, secretStrings, unmaskableSecrets, type SecretMasker } from './mask.ts';
export { mentionsSecrets, secretUse, type SecretUse } from './references.ts';
