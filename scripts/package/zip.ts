// A reproducible zip (yazl): fixed order, fixed timestamps and modes, so the same sources give
// the same bytes.
import { createWriteStream } from 'node:fs';
import yazl from 'yazl';

const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

export function writeZip(entries: Map<string, Buffer>, file: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { mtime: FIXED_TIME, mode: 0o100644, compress: true });
  zip.end();
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    zip.outputStream
      .pipe(out)
      .on('close', () => resolve())
      .on('error', reject);
  });
}
