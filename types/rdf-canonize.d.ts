/** Minimal types for rdf-canonize 5 (used directly only by the badges benchmark's baseline). */
declare module 'rdf-canonize' {
  export function canonize(
    input: unknown,
    options: { algorithm: 'RDFC-1.0'; inputFormat?: 'application/n-quads'; format?: 'application/n-quads' },
  ): Promise<string>;
}
