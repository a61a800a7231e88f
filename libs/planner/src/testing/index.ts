// Test helpers for the planner and its users (the worker's tests). Not part of the runtime API.
export { observed, FakeCluster, TEST_NOW } from './fake-cluster';
export { desiredFrom, admit } from './desired';
export type { DesiredOptions } from './desired';
export { converge, exampleText, sharedExamplesDir } from './converge';
