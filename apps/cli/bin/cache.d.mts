// Types of bin/cache.mjs (plain JavaScript: it runs before tsx is loaded, if it is).
export declare const ROOT: string;
export declare const DEFAULT_CACHE_DIR: string;
export declare const MANIFEST: string;
export declare const CACHE_FORMAT: number;
export declare function sourcesAsked(env?: NodeJS.ProcessEnv): boolean;
export declare function freshCache(dir?: string): string | undefined;
