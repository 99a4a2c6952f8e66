#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so there is no build step between a checkout and a server.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run that its 2027 releases need Node 22; liuhen pins a release that
// runs on Node 20, and the warning would break scripts that read stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../server/cli/main.ts');
