// placeholder replaced below
export interface KernelVerdict {
  action: 'ACCEPT' | 'DROP' | 'REJECT';
  detail: string;
}
export async function againstKernel(..._a: unknown[]): Promise<KernelVerdict> {
  throw new Error('not implemented');
}
