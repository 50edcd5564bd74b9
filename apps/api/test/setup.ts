// Tests must never read the developer's environment by accident: the harness passes config explicitly.
process.env.LOG_LEVEL ??= 'silent';
