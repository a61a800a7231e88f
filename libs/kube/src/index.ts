export * from './kubeconfig';
export * from './secret-box';
