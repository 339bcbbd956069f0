// The APS type ids the views create and query.
define([], function () {
  'use strict';
  var BASE = 'http://ox-connector.org/aps/';
  return {
    APP_ID: 'http://ox-connector.org/aps',
    CONTEXT: BASE + 'contexts/1.0',
    MAILBOX: BASE + 'mailboxes/1.0',
    MOBILITY: BASE + 'mobility/1.0',
    PROFILE: BASE + 'profiles/1.0',
  };
});
