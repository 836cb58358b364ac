// HandleCustom: deals with a CustomError caught by the workflow (Node.js).
'use strict';

exports.handler = async (event) => ({
  job_id: event.job_id,
  status: 'handled',
  error: event.error && event.error.Error,
});
