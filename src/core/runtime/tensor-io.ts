import type ort from 'onnxruntime-node';

export interface TensorInfo {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

/** Names, element types and shapes of a session's inputs or outputs (names only when metadata is absent). */
export function describeValues(session: ort.InferenceSession, which: 'inputs' | 'outputs'): TensorInfo[] {
  const names = which === 'inputs' ? session.inputNames : session.outputNames;
  const meta = (which === 'inputs' ? session.inputMetadata : session.outputMetadata) ?? [];
  return names.map((name) => {
    const m = meta.find((v) => v.name === name);
    return m?.isTensor ? { name, type: m.type, shape: m.shape } : { name, type: 'unknown', shape: [] };
  });
}
