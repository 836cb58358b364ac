// NodeGreeter: requires a module from the layer's nodejs/node_modules.
const greeting = require('greeting');

exports.handler = async (event) => ({ greeting: greeting.hello(event.name || 'you') });
