// launch.html's script: read the configuration and call authorize (client/launch-start.ts). Nothing else.
// A launch that cannot start is sent to the app, whose error screen explains it.
import { readConfig } from './config';
import { startLaunch } from './launch-start';

startLaunch(readConfig()).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  window.location.replace(`app/?launch_error=${encodeURIComponent(message)}`);
});
