// The provider's view of the instance settings: the fields, validation and the PUT body.
define(['./i18n'], function (_) {
  'use strict';

  var URL_RE = /^https?:\/\/[^\s/]+(\/\S*)?$/;
  var LANGUAGES = ['en_US', 'de_DE', 'fr_FR', 'es_ES', 'it_IT', 'nl_NL'];

  /** [property, widget kind, label]; kinds: text, password, number, check, select (options follow). */
  function fields() {
    return [
      ['oxSoapUrl', 'text', _('OX SOAP URL')],
      ['oxPublicUrl', 'text', _('OX public URL')],
      ['productPath', 'text', _('UI path')],
      ['loginClient', 'select', _('Login client'), [['appsuite', 'OX App Suite'], ['ox6', 'OX6']]],
      ['ssoMethod', 'select', _('Single sign-on method'), [['token', _('Login token (recommended)')], ['form', _('Login form')]]],
      ['adminMailboxLogin', 'check', _('Account administrators may open their users\' mailboxes')],
      ['masterLogin', 'text', _('Master admin')],
      ['masterPassword', 'password', _('New master password')],
      ['contextAdminAccess', 'text', _('Context admin access combination')],
      ['defaultQuotaMb', 'number', _('Default quota (MB)')],
      ['defaultTimezone', 'select', _('Default time zone'), []],
      ['defaultLanguage', 'select', _('Default language'), LANGUAGES.map(function (l) { return [l, l]; })],
      ['defaultTheme', 'text', _('Default theme')],
      ['imapServer', 'text', _('IMAP server')],
      ['smtpServer', 'text', _('SMTP server')],
      ['mobilityMode', 'select', _('Mobility'), [['addon', _('Sold as an add-on')], ['included', _('Included in every mailbox')]]],
      ['restrictMailDomains', 'check', _('Addresses only in the subscription\'s domain')],
      ['deleteGraceDays', 'number', _('Days a cancelled subscription is kept')],
      ['adoptedUnprovision', 'select', _('Cancelling a taken-over context'), [['disable', _('Disable it and leave it in OX')], ['delete', _('Delete it')]]],
      ['debug', 'check', _('Debug logging')],
    ];
  }

  function validate(input) {
    var errors = {};
    if (!URL_RE.test(input.oxSoapUrl || '')) errors.oxSoapUrl = _('Enter the SOAP URL, e.g. https://ox.example.com/webservices/');
    if (!URL_RE.test(input.oxPublicUrl || '')) errors.oxPublicUrl = _('Enter the URL customers open, e.g. https://webmail.example.com');
    if (!/^\/([^\s?#]*\/)?$/.test(input.productPath || '')) errors.productPath = _('Start and end with a slash, e.g. /appsuite/');
    if (input.loginClient === 'ox6' && input.productPath === '/appsuite/') errors.productPath = _('OX6 uses /ox6/');
    if (!(Number(input.defaultQuotaMb) >= 0)) errors.defaultQuotaMb = _('Enter a number of MB');
    var grace = Number(input.deleteGraceDays || 0);
    if (!(Number.isInteger(grace) && grace >= 0 && grace <= 365)) errors.deleteGraceDays = _('Enter 0 to 365 days');
    if (!/^[a-z]{2}_[A-Z]{2}$/.test(input.defaultLanguage || '')) errors.defaultLanguage = _('Use a locale such as en_US');
    if (input.defaultTheme && !/^[A-Za-z0-9_.-]+$/.test(input.defaultTheme)) errors.defaultTheme = _('A theme is a name such as default or dark');
    return errors;
  }

  /** The PUT body: every setting, the master password only when the provider typed a new one. */
  function toResource(input, current) {
    var r = {};
    Object.keys(current).forEach(function (k) { if (k !== 'masterPassword') r[k] = current[k]; });
    fields().forEach(function (f) {
      var k = f[0];
      var v = input[k];
      if (v === undefined || k === 'masterPassword') return;
      if (f[1] === 'check') r[k] = Boolean(v);
      else if (f[1] === 'number') r[k] = Number(v);
      else if (v !== '' || current[k] !== undefined) r[k] = v;
    });
    if (input.masterPassword) r.masterPassword = input.masterPassword;
    return r;
  }

  return { fields: fields, validate: validate, toResource: toResource };
});
