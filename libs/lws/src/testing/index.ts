// Test helpers for libs/lws and its users (the planner's tests). Not part of the runtime API.
export { lws, LeaderWorkerSetBuilder, podTemplate, DEFAULT_TEST_IMAGE } from './builder';
export { exampleFiles, sharedDir } from './examples';
export type { ExampleFile } from './examples';
