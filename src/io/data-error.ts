// DataError lives in core/ (library calls refuse non-finite values with it, below this layer); the io modules import
// it from here, where it always was.
export { DataError, type DataErrorCode, type DataErrorInit, type DataErrorLocation } from '../core/data-error.ts';
