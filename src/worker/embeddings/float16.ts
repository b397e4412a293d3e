// The binary16 codec lives in core (the encoders use it too); the worker's stored embeddings reuse it.
export {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  readFloat16LE,
  writeFloat16LE,
} from '../../core/runtime/float16.js';
