// Runs `snomctl phone` (phoneCommand) as its own process for tests: `node --import tsx test/helpers/run-phone-command.ts ARGS…`.
import { phoneCommand } from '../../src/sim/phone-command.js';

await phoneCommand().parseAsync(process.argv);
