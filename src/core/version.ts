/** maflow's version (the package's; a test checks that they agree). Written into every model file. */
export const VERSION = '0.2.0';
