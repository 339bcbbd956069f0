// UX1 home dashboard tile: disk use against the limit, mailboxes, mobility, "Open OX as administrator".
define(['dojo/_base/declare', 'aps/nav/ViewPlugin', 'aps/Tile', 'aps/Output', 'aps/Button', 'aps/xhr', '../lib/contexts',
  '../lib/format', '../lib/messages', '../lib/types'],
function (declare, ViewPlugin, Tile, Output, Button, xhr, contexts, format, messages, types) {
  'use strict';
  var FIELDS = [['disk', _('Disk space')], ['mailboxes', _('Mailboxes')], ['mobility', _('Mobility add-ons')]];
  // The context the tile shows (set by onContext): the button opens that one.
  var shown;

  return declare(ViewPlugin, {
    apsType: types.CONTEXT,
    entryViewId: types.APP_ID + '#overview',
    init: function (mediator) {
      var plugin = this;
      var tile = new Tile({ id: this.genId('dash_tile'), title: _('OX App Suite') });
      FIELDS.forEach(function (f) { tile.addChild(new Output({ id: plugin.genId('dash_' + f[0]), label: f[1] })); });
      tile.addChild(new Button({ id: this.genId('dash_open'), label: _('Open OX as administrator'), onClick: messages.loginClick(xhr, function () {
        return shown.aps.id;
      }, 'adminLogin', _('OX could not be opened: ')) }));
      mediator.getWidget = function () { return tile; };
    },
    onContext: function (context) {
      var ctx = shown = contexts.current(contexts.list(context.vars.contexts));
      var summary = format.contextSummary(ctx);
      var plugin = this;
      FIELDS.forEach(function (f) { plugin.byId('dash_' + f[0]).set('value', summary[f[0]]); });
      this.byId('dash_tile').set('title', _('OX App Suite') + ': ' + contexts.label(ctx));
      this.byId('dash_open').set('disabled', !summary.canOpenOx);
    },
  });
});
