// Types of build.mjs for the TypeScript that imports it (test global setup, benchmarks).
export declare const apiRoot: string;
export declare const distDir: string;
export declare function isStale(): boolean;
export declare function build(options?: { log?: (line: string) => void }): Promise<void>;
export declare function buildIfStale(options?: { log?: (line: string) => void }): Promise<boolean>;
