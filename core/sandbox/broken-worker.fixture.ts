// Test-only reader thread entry that throws while it loads (a broken bundle, a missing module).
throw new Error('the entry module failed while loading');
