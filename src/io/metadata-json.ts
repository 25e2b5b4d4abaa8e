import { DataError } from './data-error.ts';
import { PROTOTYPE_KEYS } from './safetensors-header.ts';

/**
 * Parses the JSON of a model file's metadata entry `what` (`config`, `columns`, …) for a file that may be hostile:
 * invalid JSON and objects with prototype keys (`__proto__`, `constructor`, `prototype`, which would not be plain data
 * once spread into options objects) are `DataError`s naming the file and the entry.
 *
 * @example
 * import { parseMetadataJson } from './metadata-json.ts';
 * console.log(parseMetadataJson('["x1", "x2"]', 'columns', 'model.safetensors')); // → [ 'x1', 'x2' ]
 * try {
 *   parseMetadataJson('{"__proto__": {}}', 'config', 'model.safetensors');
 * } catch (error) {
 *   console.log((error as Error).message); // → model.safetensors: the 'config' metadata holds the key "__proto__" (…)
 * }
 */
export function parseMetadataJson(text: string, what: string, file: string): unknown {
  let bad: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, item: unknown) => {
      if (bad === undefined && PROTOTYPE_KEYS.includes(key)) bad = key;
      return item;
    });
  } catch (error) {
    throw new DataError(`the '${what}' metadata is not valid JSON (${(error as Error).message})`, { file });
  }
  if (bad !== undefined) {
    throw new DataError(`the '${what}' metadata holds the key ${JSON.stringify(bad)} (a JavaScript prototype key; the file is corrupt or hostile)`, { file });
  }
  return value;
}
