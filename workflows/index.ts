// Every workflow the worker runs (the entry point bundled for the Temporal workflow sandbox).
export { syncConnectionWorkflow } from './sync.js';
export { triageInboundEmailWorkflow } from './triage.js';
export { validateEmailWorkflow } from './validate.js';
export { pushChangesWorkflow } from './push.js';
