"""What the tests share: servers and their databases, waits that watch for progress, the fake platforms and
receivers, and the small steps many tests take (link a Sandbox, add a webhook consumer, sign in to the
Portal). Test modules import from here, never from each other."""
