// Placeholder until the real API-server harness lands (hack/ builds kube-apiserver + etcd).
export default async function globalSetup(): Promise<void> {}
