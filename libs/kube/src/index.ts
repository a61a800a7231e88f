export * from './api-errors';
export * from './cluster-connection';
export * from './cluster-watcher';
export * from './kubeconfig';
export * from './secret-box';
export * from './http-library';
export * from './watch';
