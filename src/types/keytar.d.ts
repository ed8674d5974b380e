/**
 * keytar is an optionalDependency: on a machine where it cannot build (no libsecret), npm skips it
 * and the build must still type-check. src/store/keytar.ts casts the module to its own `Keytar`
 * interface, so this declaration only has to say that the module exists.
 */
declare module 'keytar';
