// ProcessRush: rush orders ship the same day (Node.js).
'use strict';

exports.handler = async (event, context) => ({
  order: event,
  route: 'rush',
  ships: 'same-day',
  handled_by: context.functionName,
});
