// Reads every resource of a Data Package with the npm `datapackage` library, as its users do: values cast to the
// Table Schema's types and foreign keys resolved (cast: true, relations: true). Prints one JSON document:
// {"valid", "errors", "tables": {name: rows} or {name: {"error": message}}}.
const {Package} = require('datapackage');

async function main(descriptorPath) {
  const pkg = await Package.load(descriptorPath);
  const out = {valid: pkg.valid, errors: pkg.errors.map(String), tables: {}};
  for (const resource of pkg.resources) {
    try {
      out.tables[resource.name] = await resource.read({keyed: true, cast: true, relations: true});
    } catch (error) {
      const details = (error.errors || []).map(String).slice(0, 5);
      out.tables[resource.name] = {error: [error.message, ...details].join(' | ')};
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main(process.argv[2]).catch((error) => { console.error(error.stack || String(error)); process.exit(2); });
