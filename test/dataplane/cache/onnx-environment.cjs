// Jest runs tests in a vm context whose typed-array constructors differ from the ones onnxruntime's
// native addon creates, so onnxruntime-common's `data instanceof Float32Array` fails on model outputs.
// Tests that run the real ONNX model use this environment (docblock @jest-environment), which hands the
// sandbox the host realm's Float32Array. Nothing of this exists outside jest.
const { TestEnvironment } = require('jest-environment-node');

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.Float32Array = Float32Array;
  }
}

module.exports = OnnxEnvironment;
