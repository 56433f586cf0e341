// Runs an ONNX model in onnxruntime on a batch of images and writes the
// outputs, for models/onnxruntime_test.go:
//
//   node run.js MODEL IMAGES N OUT
//
// IMAGES holds N*C*H*W little-endian float32 values, as the model's one
// input takes them; OUT receives the model's one output as little-endian
// float32. The input's name and shape come from the model itself, so the
// test also checks that they are what digitnet promises.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, images, n, out] = process.argv.slice(2);
  if (!out) throw new Error('usage: node run.js MODEL IMAGES N OUT');
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    throw new Error(`want one input and one output, have ${session.inputNames} and ${session.outputNames}`);
  }
  const buf = fs.readFileSync(images);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const count = Number(n);
  const per = x.length / count;
  const side = Math.round(Math.sqrt(per));
  const input = new ort.Tensor('float32', x, [count, 1, side, side]);
  const result = await session.run({ [session.inputNames[0]]: input });
  const y = result[session.outputNames[0]];
  fs.writeFileSync(out, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  process.stdout.write(JSON.stringify({ input: session.inputNames[0], output: session.outputNames[0], dims: y.dims }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
