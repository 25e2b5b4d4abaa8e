/**
 * The page's script: fetch a model file, decode it with maflow's browser build, draw its density with samples on a
 * canvas, and read out log p(x) under the pointer. `logDensities` and `densityImage` are pure, so the example checks
 * them outside a browser against the Node library.
 */
import { decodeModel, matrix, Rng, type Distribution } from 'maflow/browser';

/** The part of the plane the canvas shows. */
export const VIEW = { x: [-1.5, 2.5], y: [-1, 1.5] } as const;

/** The flow stored in a model file's bytes. */
export function loadFlow(bytes: Uint8Array): Distribution {
  return decodeModel(bytes, 'model.safetensors').flow;
}

/** log p(x) of each row `[x1, x2]`, in the data's units. */
export function logDensities(bytes: Uint8Array, rows: number[][]): Float64Array {
  return loadFlow(bytes).logProb(matrix(rows, undefined, undefined, 'float64'));
}

/** One RGBA pixel per canvas pixel: exp(log p − max)^½ on a dark-to-light ramp. */
export function densityImage(flow: Distribution, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const points: number[][] = [];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      points.push([VIEW.x[0] + ((i + 0.5) / width) * (VIEW.x[1] - VIEW.x[0]), VIEW.y[1] - ((j + 0.5) / height) * (VIEW.y[1] - VIEW.y[0])]);
    }
  }
  const logP = flow.logProb(matrix(points, undefined, undefined, 'float64'));
  const max = logP.reduce((a, b) => Math.max(a, b), -Infinity);
  const rgba = new Uint8ClampedArray(4 * logP.length);
  for (let k = 0; k < logP.length; k++) {
    const t = Math.sqrt(Math.exp(logP[k] - max));
    rgba.set([20 + 230 * t, 30 + 190 * t, 80 + 90 * t, 255], 4 * k);
  }
  return rgba;
}

async function main(): Promise<void> {
  const canvas = document.getElementById('density') as HTMLCanvasElement;
  const readout = document.getElementById('readout') as HTMLElement;
  const bytes = new Uint8Array(await (await fetch('./model.safetensors')).arrayBuffer());
  const flow = loadFlow(bytes);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2-D canvas');
  // A quarter-resolution image, scaled up: 10⁴ evaluations instead of 1.7·10⁵ keep the first paint fast.
  const [w, h] = [canvas.width / 4, canvas.height / 4];
  const small = document.createElement('canvas');
  [small.width, small.height] = [w, h];
  small.getContext('2d')?.putImageData(new ImageData(densityImage(flow, w, h), w, h), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  const samples = flow.sample(400, { rng: new Rng(0) });
  ctx.fillStyle = 'rgba(255, 120, 40, 0.8)';
  for (let r = 0; r < samples.rows; r++) {
    const px = ((samples.data[2 * r] - VIEW.x[0]) / (VIEW.x[1] - VIEW.x[0])) * canvas.width;
    const py = ((VIEW.y[1] - samples.data[2 * r + 1]) / (VIEW.y[1] - VIEW.y[0])) * canvas.height;
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
  readout.textContent = 'move the pointer over the picture (orange: 400 samples from the model)';
  canvas.addEventListener('pointermove', (event) => {
    const x1 = VIEW.x[0] + (event.offsetX / canvas.clientWidth) * (VIEW.x[1] - VIEW.x[0]);
    const x2 = VIEW.y[1] - (event.offsetY / canvas.clientHeight) * (VIEW.y[1] - VIEW.y[0]);
    readout.textContent = `log p(${x1.toFixed(2)}, ${x2.toFixed(2)}) = ${flow.logProb(matrix([[x1, x2]], undefined, undefined, 'float64'))[0].toFixed(3)} nats`;
  });
}

if (typeof document !== 'undefined') void main();
