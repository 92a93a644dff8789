// Imported before testcontainers so its settings are in place when it first reads them.
// The reaper image cannot be pulled here; the lab cleans up by its own label instead (`certlab down`).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// On a host that is itself a container (/.dockerenv), testcontainers would reach mapped ports through the
// bridge gateway; loopback is where the lab publishes them.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
