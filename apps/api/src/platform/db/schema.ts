/**
 * Every drizzle table, gathered for the query builder. Each module keeps its tables in its own
 * `<module>.tables.ts`; drizzle-kit reads the same files (drizzle.config.ts).
 */
export {};
