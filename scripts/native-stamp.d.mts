/** The hex sha-256 stamp of the native addon sources under `root` (see native-stamp.mjs). */
export declare function sourceStamp(root: string, options?: { node?: boolean }): string;
