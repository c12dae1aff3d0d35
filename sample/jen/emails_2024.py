# ruff: noqa: F405
"""Jen's mail from 2024: Elbpark construction, the rooftop opening, the Altona school courtyard starts."""

from cast import *  # noqa: F403

# Hand-written data: one compact block per message reads better than the formatter's layout.
# fmt: off

EMAILS = [
    M("24-anna-newyear", "2024-01-08 09:05", acct="office", client="outlook", to=ANNA,
      subject="AW: Baustart Elbpark", lang="en", quotes=[Q(ANNA, "2024-01-08 08:31", """
Morning Jen,

happy new year! Rademacher wants to start clearing the site on 22 January. The Bezirk needs the tree protection plan signed by us before that. Do you have it?

Anna
""")], text="""
Morning Anna, happy new year to you too!

The tree protection plan is 90% done — I only need to add the fences around the six poplars and the root protection zone for the old lime by the customs house. I'll sign it and send it to the Bezirk by Wednesday.

Could you tell Rademacher that nothing happens within 8 metres of the lime without me on site? He knows, but I'd like it in writing.

Best,
Jen
"""),
    M("24-schule-first", "2024-01-15 14:20", acct="studio", client="apple", to=FRAU_YILMAZ,
      subject="Re: Schoolyard Bahrenfelder Straße", lang="en", quotes=[Q(FRAU_YILMAZ, "2024-01-12 13:40", """
Dear Ms Weber,

as discussed on the phone, we would like to redesign our schoolyard and would be glad to commission you. When would you have time for a first meeting on site?

Kind regards,
Derya Yılmaz
Head Teacher
""")], text="""
Dear Ms Yılmaz,

thank you for your call last week. I'm really pleased that the school has asked us to redesign the schoolyard — I only live a few streets away and walk past your fence almost every day.

For a first meeting I suggest Wednesday 24 January at 15:00, ideally right there in the yard. It would be good if Mr Petersen could join us, as he knows the pipes and the problem spots best.

I'll bring an aerial plan. If you've already collected wishes from the staff or the children, please bring them along.

Kind regards,
Jen Weber
"""),
    M("24-mama-rezept", "2024-01-21 18:10", to=MAMA, subject="Re: Recipe", lang="en", client="iphone",
      quotes=[Q(MAMA, "2024-01-21 16:44", """
Dear Jen, here's the recipe for the lentil stew, as you wanted. Not too much vinegar! Mum
""")], text="""
Thanks, Mum! I'll try it tonight, with less vinegar.
"""),
    M("24-yilmaz-received", "2024-01-25 07:45", sender=FRAU_YILMAZ, to=JEN_STUDIO, client="outlook",
      subject="Thank you for yesterday", lang="en", text="""
Dear Ms Weber,

many thanks for the meeting in the schoolyard yesterday. The staff were very taken with your first ideas. I'll send you the class representatives' wish list next week.

Kind regards,
Derya Yılmaz
Head Teacher
"""),
    M("24-tom-inline-tree", "2024-01-30 11:48", acct="office", client="thunderbird", to=TOM,
      subject="Re: Tree protection – questions from Rademacher", lang="en", alang="de", post="inline",
      quotes=[Q(TOM, "2024-01-30 10:12", "")], parts=[
          ("me", "Hi Tom,\n\nthanks for collecting these, I'll answer right underneath:"),
          ("q", "Can the digger go up to 5 m from the lime on the load distribution plates?"),
          ("me", "Up to 6 m, no closer. The crown is bigger than the plan shows, I measured it\nagain last week: 14 m across."),
          ("q", "Can the poplar stumps stay in the ground?"),
          ("me", "Yes, please just saw the two diseased poplars off at ground level, no\ngrinding. The deadwood goes into the brush hedge by the dog area later."),
          ("q", "Who pays for the second site fence?"),
          ("me", "It's in the bill of quantities under item 02.03.0040. Rademacher should\nplease check before he writes a change order."),
          ("me", "Best,\nJen"),
      ]),
    M("24-elodie-nantes", "2024-02-06 10:30", acct="studio", client="apple", to=ELODIE,
      subject="Re: A new competition?", lang="en", html="only", quotes=[Q(ELODIE, "2024-02-05 18:05", """
Jen,

There's a competition for a community garden in Villeurbanne, small budget, due on 15 March. Tempted? It would be lighter than Lyon.

Love,
Élodie
""")], text="""
Dear Élodie,

very tempted, but honestly, spring will be crazy here: construction starts at the Elbpark and we're beginning a new schoolyard project in Altona.

Could I join just as the "plant adviser"? I can do the planting palette and one section, nothing more. If that works for you, I'll block two days, 4 and 5 March.

Love,
Jen
"""),
    M("24-kinder-workshop", "2024-02-14 16:32", acct="studio", client="apple", to=FRAU_YILMAZ, cc=ELTERNRAT,
      subject="Children's workshop schoolyard – schedule", lang="en", html="alt", text="""
Dear Ms Yılmaz, dear Ms Mendes,

for the children's workshop on Tuesday 5 March, here's the schedule I have in mind:

8:15–9:00 Walk around with the class representatives: where is it nice, where is it rubbish?
9:15–10:30 Model building in groups, with cardboard, modelling clay, moss and twigs from the Stadtpark
10:45–11:30 Each group presents its model, the others vote with sticky dots

I'll bring the materials, and my colleague Anna Schulz will help on the day. We'd need the hall from 7:45 and two parents to help tidy up.

Could you let me know whether that works for years 3 and 4?

Kind regards,
Jen Weber
"""),
    M("24-mendes-received", "2024-02-15 20:21", sender=ELTERNRAT, to=JEN_STUDIO,
      subject="Re: Children's workshop schoolyard – schedule", lang="en", quotes=[Q(JEN_STUDIO, "2024-02-14 16:32", """
Dear Ms Yılmaz, dear Ms Mendes,

for the children's workshop on Tuesday 5 March, here's the schedule I have in mind. Could you let me know whether that works for years 3 and 4?

Kind regards,
Jen Weber
""")], text="""
Dear Ms Weber,

great! I already have two parents for the tidying up: Mr Nowak and me. We'll be in the hall at 11:15.

Best wishes,
Carla Mendes
"""),
    M("24-tax-2023", "2024-02-26 13:40", acct="studio", client="thunderbird", to=STEUER,
      subject="Re: Missing receipts 2023", lang="en", quotes=[Q(STEUER, "2024-02-23 10:15", """
Dear Ms Weber,

for 2023 I'm still missing: the invoice from Baumschule Albers (October), the train tickets to
Lyon in March and the receipt for the training course at the Chamber of Architects.

Kind regards,
Petra Kahl
""")], text="""
Dear Ms Kahl,

I've just put the Albers invoice and the Chamber of Architects receipt into the folder "2023_Nachreichung".

Unfortunately the train tickets to Lyon no longer exist on paper, only as PDFs from my DB account. Is that enough? I've put them in the folder as well and marked the amounts (outward 89.90 euros, return 74.50 euros).

Best regards,
Jen Weber
"""),
    M("24-workshop-kids-done", "2024-03-05 19:15", acct="main", client="gmail", to=[ANNA],
      subject="today!!", lang="en", from_hdr="Jen <Jen.Weber@LindenMail.example>", text="""
Anna,

thank you for today. Honestly, I couldn't have done it without you. Twenty-six kids, nine models, one minor glue incident, and the winner is a "forest with a hidden tunnel and a stage for rap battles". I love them.

Dinner on me next week — you pick the place.

Jen
"""),
    M("24-lena-opening", "2024-03-12 10:50", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Roof garden opening – proposal", lang="en", text="""
Dear Dr. Hoffmann,

the roof garden is almost finished: the perennials came through the winter well, the raised beds are filled, and the pergola gets its wisteria next week.

For the opening with the tenants I'd suggest early June, when the serviceberries have fruit and the lavender is in flower. How about Friday 7 June, from 17:00?

I could give a short tour and explain how the irrigation works — and how to look after the raised beds without drowning them. That has been the most common question so far.

Kind regards,
Jen Weber
"""),
    M("24-lena-opening-dup", None, dup_of="24-lena-opening", exact=True),
    M("24-relay-2024", "2024-03-18 07:30", to=NIKLAS, subject="Re: Staffel 2024?", lang="en",
      client="iphone", quotes=[Q(NIKLAS, "2024-03-17 21:12", """
Same team as last year? Marathon is 28 April. N.
""")], text="""
Count me in, same leg please! Freya is in too, she told me at training.
"""),
    M("24-marta-visit-hh", "2024-03-25 21:35", to=MARTA, subject="Re: I'm coming to Hamburg!", lang="en",
      client="gmail", html="only", quotes=[Q(MARTA, "2024-03-24 19:08", """
Jen! I have a conference in Hamburg from 15 to 17 April. Do you have time for a coffee? Or a beer?

Kisses,
Marta
""")], text="""
Marta, how wonderful!

Of course I have time. Tuesday the 16th I'm free in the afternoon: I'll pick you up at the conference, show you the Elbpark building site (hard hat compulsory) and then we'll have dinner in Ottensen with Max.

If you like, on Wednesday morning we can go up to the roof garden in the Speicherstadt. You can see the whole harbour from there.

Hugs,
Jen
"""),
    M("24-anna-fwd-note", "2024-04-02 09:14", acct="office", client="outlook", to=ANNA,
      subject="WG: Request from NDR – Elbpark", lang="en", fwd=Q(P("Julia Kramer", "julia.kramer@ndr.example"),
      "2024-03-28 15:40", """
Dear Ms Weber,

for our programme "Hamburg Journal" we are planning a piece on new parks in the city and would like to film on the Elbpark building site, ideally in April. Would a short interview with you be possible?

Kind regards,
Julia Kramer
NDR Hamburg
""", subject="Request from NDR – Elbpark", to=JEN_OFFICE), text="""
Hi Anna,

look, the NDR wants to come to the site. I'd love it if you did the interview with me — after all, you led the participation process.

Could we quickly check with the press office whether that's OK? My suggestion would be the morning of 18 April, when Rademacher plants the first trees. That makes for good pictures.

Jen
"""),
    M("24-mendes-wishlist", "2024-04-09 21:02", acct="studio", client="apple", to=ELTERNRAT,
      subject="Re: Parents' wish list", lang="en", alang="de", quotes=[Q(ELTERNRAT, "2024-04-09 18:40", """
Dear Ms Weber,

here are the wishes from the parents' meeting, most frequent first:
1. More shade (the yard is unbearable in June)
2. A place where the older ones can play football without knocking over the little ones
3. Drinking fountains
4. Less asphalt

Best wishes,
Carla Mendes
""")], text="""
Dear Ms Mendes,

thank you, the list matches the children's wishes surprisingly well — except for the rap stage, which wasn't on the parents' list.

On 1 and 4 I have good news: if we unseal about 900 m² of asphalt, we can apply for funding from the "Hamburgs Grün" programme. That makes trees and shaded areas much easier to pay for.

For football I'm thinking of a fenced mini pitch on the north side, away from the entrance. I'll show you two options at our next meeting on 23 April.

Kind regards,
Jen Weber
"""),
    M("24-anna-bottom-ndr", "2024-04-18 18:05", acct="office", client="gmail", to=ANNA,
      subject="Re: NDR heute", lang="en", post="bottom", quotes=[Q(ANNA, "2024-04-18 16:40", """
You were great on camera! They said the piece airs on 25 April, 19:30.
""")], text="""
You were better — I said "sozusagen" about forty times. Let's watch it together on the 25th, I'll bring wine.
"""),
    M("24-papa-70", "2024-04-22 20:30", to=[KATRIN], subject="Papa's 70th", lang="en", client="gmail",
      text="""
Dear Kat,

Papa turns 70 on 19 August, and I think this time it has to be a proper party, whatever he says.

My idea: we rent the hall at the Gasthaus "Zum Heidekrug" in Lüneburg-Ochtmissen, invite about 40 people (family, the choir, his old colleagues from the surveying office) and do a short bike ride through the valley in the afternoon for anyone who wants to come.

I've already asked, the hall is still free on Saturday 17 August and costs 450 euros plus food. Shall we split it? Mum doesn't know anything yet.

Love,
Jen
"""),
    M("24-katrin-received-papa", "2024-04-22 21:55", sender=KATRIN, to=JEN_MAIN, subject="Re: Papa's 70th",
      lang="en", client="iphone", text="""
YES!! Great idea. I'll pay half and do the invitations, you do the rest 😄 The choir is compulsory.
"""),
    M("24-marathon-done", "2024-04-28 18:40", to=[NIKLAS, FREYA], subject="Re: Ergebnis", lang="en",
      client="iphone", quotes=[Q(NIKLAS, "2024-04-28 16:02", """
3:14:55!! Six minutes faster than last year. Proud of you all. N.
"""), Q(FREYA, "2024-04-28 15:30", """
My legs are gone. Who's carrying me home?
""", to=NIKLAS)], text="""
Six minutes!! Best team ever. Freya, I'll carry you if you carry me, we'll just go very slowly.

Da Mario on Tuesday, same as last year?
"""),
    M("24-sven-html-only", "2024-05-06 08:20", acct="studio", client="gmail", html="only", to=SVEN,
      subject="Enquiry: trees for a schoolyard in Altona", lang="en", text="""
Hi Mr Albers,

I have a new project I'd love to work with you on again: a schoolyard in Altona, with planting probably in November 2025.

I'm looking for about 14 trees, robust and shady, girth 20–25: field maple, hornbeam and a few Turkey oaks if you have any. Also three large specimen trees for the entrance, ideally a plane or a manna ash.

Could you give me a rough idea of what you could reserve for autumn 2025? A binding order will only follow once the funding is confirmed.

Best wishes,
Jen Weber
"""),
    M("24-office-legal-schedule", "2024-05-14 15:10", acct="office", client="outlook", to=GALABAU,
      cc=[TOM, ANNA], subject="AW: Construction schedule Elbpark – delay", lang="en", sig="office_legal",
      quotes=[Q(GALABAU, "2024-05-14 11:02", """
Dear Ms Weber,

because of the wet April we are about three weeks behind the construction schedule on lot 2. We would therefore like to move the lawn seeding on the sunbathing lawns to the end of August.

Kind regards,
Kai Rademacher
Rademacher GaLaBau GmbH
"""), Q(JEN_OFFICE, "2024-05-13 09:40", """
Dear Mr Rademacher,

please send us an updated construction schedule for lot 2 by Wednesday.

Kind regards,
Jen Weber
""", to=GALABAU)], text="""
Dear Mr Rademacher,

thank you for letting us know so openly. Seeding at the end of August is fine from our side, even better than in a dry June — provided the areas are fenced off until then and watered in dry spells.

What matters to us is the opening on 14 September. By then the paths, the tree planting and the play pier must have been accepted. Please confirm by Friday that this date can be kept.

Kind regards,
Jen Weber
"""),
    M("24-lotte-birthday", "2024-05-22 12:15", to=LOTTE, subject="Happy birthday!", lang="en", html="only",
      client="apple", text="""
Lotte!

Happy birthday, my dear. I hope someone brings you coffee in bed and that the rain holds off for your barbecue.

Max and I will be there around 18:00 with the potato salad (the one with dill, not the one with mayonnaise, I promise).

Big hug,
Jen
"""),
    M("24-lena-received-thanks", "2024-06-08 10:10", sender=LENA, to=JEN_STUDIO, client="outlook",
      subject="Thank you!", lang="en", text="""
Dear Ms Weber,

what a lovely evening yesterday. The tenants were delighted, and Mr Lüders from the fourth floor has already volunteered to look after the herb bed. Thank you so much for your work!

Best regards,
Lena Hoffmann
"""),
    M("24-lena-reply-thanks", "2024-06-10 09:25", acct="studio", client="apple", to=LENA,
      subject="Re: Thank you!", lang="en", quotes=[Q(LENA, "2024-06-08 10:10", """
Dear Ms Weber,

what a lovely evening yesterday. The tenants were delighted, and Mr Lüders from the fourth floor has already volunteered to look after the herb bed. Thank you so much for your work!

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

thank you, I'm so glad! It was a special evening for us too, after a year and a half of planning.

Mr Lüders is exactly the right person for the herb bed, he spent ten minutes on my way out telling me about his allotment in Lurup.

As agreed, I'll come for the first maintenance inspection in September. And if you ever think about the second roof at Kehrwieder — I'm here.

Kind regards,
Jen Weber
"""),
    M("24-resend-1", "2024-06-18 22:14", to=[KATRIN], subject="Invitations for Papa", lang="en", client="gmail",
      text="""
Hey Kat,

the guest list for Papa's party is done, 43 people. I've put the addresses into the spreadsheet you set up (column D is the people Mum doesn't want to invite, please don't print it 😅).

Could you send out the invitations by the end of June? Replies by 20 July are fine, I'll tell the Heidekrug then.

Love,
Jen
"""),
    M("24-resend-2", "2024-06-18 22:31", dup_of="24-resend-1"),
    M("24-tom-owa-opening", "2024-07-02 17:44", acct="office", client="owa", to=[TOM, ANNA, MALTE, BIRGIT],
      subject="AW: Elbpark opening 14.9.", lang="en", quotes=[Q(MALTE, "2024-07-02 11:30", """
Jen, could you draw up a task list for the opening and send it to everyone? Thanks, M.
""")], text="""
Hi all,

ten weeks to go until the opening, here's a first task list:

Tom: signage and the two info boards (texts to me by 1 August)
Anna: programme with the Bezirk, children's party, music, invitations to the workshop participants
Birgit: catering, tent, toilets — and this time please ones that are open 😉
Malte: speech, the senator, press
Me: guided tours, acceptance with Rademacher, plant sponsorships

Meetings every other Monday at 10:00, the first on 8 July. I'm looking forward to it!

Jen
"""),
    M("24-win1252", "2024-07-09 11:30", acct="studio", client="outlook", charset="windows-1252",
      cte="quoted-printable", to=JAVIER, subject="Plantas mediterráneas para Hamburgo", lang="es", text="""
Estimado Javier:

Le escribo por recomendación de Marta Ruiz. Soy paisajista en Hamburgo y estoy preparando un patio escolar donde queremos probar algunas especies resistentes a la sequía: Phlomis, Salvia “Caradonna”, Stipa tenuissima y quizá un par de granados.

¿Podría decirme si envía a Alemania y cuál sería el pedido mínimo? Serían unas 600 plantas en maceta de 9 cm, para octubre o noviembre de 2025 – el presupuesto es de unos 2.500 € más el transporte.

Muchas gracias de antemano.

Un cordial saludo,
Jen Weber
"""),
    M("24-empty-reply", "2024-07-15 09:02", acct="main", client="gmail", html="only", to=FREYA,
      subject="Re: Fotos Airport Race", lang="en", quotes=[Q(FREYA, "2024-07-14 20:18", """
Found the photos from the Airport Race last year, you look furious at km 8.
""")], text=""),
    M("24-zero-attach", "2024-08-01 16:20", acct="studio", client="apple", to=JONAS,
      subject="Plant list schoolyard (empty?)", lang="en", attach=[("Pflanzenliste_Schulhof_v1.xlsx", "empty")],
      text="""
Hi Jonas,

attached is the plant list for the schoolyard — or at least it should be attached. My computer says the file is 0 KB, which can't be right.

Could you check whether the version on the server is intact? If not, we have a problem, because then Tuesday's work is gone.

Thanks!
Jen
"""),
]

EMAILS += [
    M("24-javier-reply", "2024-08-06 10:05", acct="studio", client="apple", to=JAVIER,
      subject="Re: Plantas mediterráneas para Hamburgo", lang="es", quotes=[Q(JAVIER, "2024-08-05 13:30", """
Estimada Jen:

Sí, enviamos a Alemania con transportista refrigerado. Pedido mínimo: 300 plantas. Para 600 plantas de maceta 9 cm el precio sería de unos 1.950 €, más 420 € de transporte a Hamburgo. Los granados no se los recomiendo para su clima.

Saludos cordiales,
Javier Soler
Viveros Turia
""")], text="""
Estimado Javier:

Muchas gracias por la respuesta tan rápida y por el consejo sobre los granados. Lo entiendo: aquí el invierno es húmedo, no tanto frío, y eso es lo que más les cuesta.

El precio está dentro de nuestro presupuesto. Le escribiré de nuevo en primavera de 2025, cuando tengamos la confirmación de la subvención, para cerrar la lista definitiva y la fecha de entrega.

Un cordial saludo,
Jen Weber
"""),
    M("24-papa-fest-danke", "2024-08-19 08:10", to=[MAMA, PAPA], cc=KATRIN, subject="Happy birthday, Papa!", lang="en",
      client="gmail", html="alt", text="""
Dear Papa,

happy, happy 70th birthday! I hope you've recovered a little from Saturday. The choir singing "Kein schöner Land" in three parts while the thunderstorm rolled in outside — I'll never forget it.

Your present is still to come, by the way: in October Max and I are building you the raised bed behind the garage, with larch wood and everything. You get to decide what goes in — except courgettes, you had enough of those last year for the whole street.

We'll call tonight.

Big hug,
Jen
"""),
    M("24-other-jen", "2024-08-21 14:02", sender=OTHER_JEN, to=JEN_MAIN, subject="Wrong Jen Weber?", lang="en",
      text="""
Hello,

I think I received an email meant for you: someone from a Hamburg tree nursery sent me a reservation for fourteen trees for a schoolyard. I'm a consultant in Munich and don't own a single tree. I've forwarded it to this address, I hope it's the right one.

Best regards,
Jennifer Weber
"""),
    M("24-other-jen-reply", "2024-08-21 19:40", to=OTHER_JEN, subject="Re: Wrong Jen Weber?", lang="en",
      quotes=[Q(OTHER_JEN, "2024-08-21 14:02", """
Hello,

I think I received an email meant for you: someone from a Hamburg tree nursery sent me a reservation for fourteen trees for a schoolyard. I'm a consultant in Munich and don't own a single tree.

Best regards,
Jennifer Weber
""")], text="""
Hi Jennifer,

thank you so much for taking the trouble — yes, that's mine! The nursery must have mixed up our addresses. I'll let them know so it doesn't happen again.

If you ever need a tree in Munich, you know whom to ask.

Best wishes from Hamburg,
Jen
"""),
    M("24-opening-speech", "2024-09-09 21:30", acct="office", client="outlook", to=MALTE, html="alt",
      subject="AW: Opening speech – draft", lang="en", quotes=[Q(MALTE, "2024-09-09 18:05", """
Jen, could you have a look at my draft speech for Saturday? 5 minutes max, the senator speaks after me. M.
""")], text="""
Hi Malte,

the speech is good, just two suggestions:

First, I'd cut the numbers. Nobody remembers 4.37 million and 11,400 m² — but everyone remembers that 85 neighbours built a park out of modelling clay on a Saturday in March.

Second: please mention Rademacher and his team. They planted trees in the pouring rain in April while we sat in the dry.

I'd leave the rest as it is. And the sentence about the poplar at the end is lovely.

Jen
"""),
    M("24-opening-thanks-all", "2024-09-15 11:20", acct="office", client="outlook_mobile", to=[ANNA, TOM, MALTE, BIRGIT],
      subject="Thank you!!", lang="en", text="""
Dear all,

what a day yesterday. Over 2,000 people, the kids on the play pier, the senator on the dog lawn. And the toilets were open!

Thank you all for the last two years. Cake on Monday, with cream this time.

Jen
"""),
    M("24-no-date", None, sort_date="2024-09-20 10:00", acct="studio", client="thunderbird", to=FRAU_YILMAZ,
      cc=ELTERNRAT, subject="Schoolyard – preliminary design for review", lang="en", text="""
Dear Ms Yılmaz, dear Ms Mendes,

the preliminary design for the schoolyard is ready. The main points in brief:

- Around 950 m² of asphalt will be unsealed and turned into planting beds, sand play and an "outdoor classroom" under three new trees.
- The mini pitch goes on the north side, with a ball-stop fence and seating steps.
- The children's wish for a tunnel becomes a willow tunnel that the classes weave anew every year.
- Two drinking fountains, one of them accessible, at the entrance and by the pitch.

The costs come to about 410,000 euros including VAT, up to 60 % of which could come from the funding programme. I'd like to present the design at the school conference on 8 October.

Kind regards,
Jen Weber
"""),
    M("24-malformed", "2024-09-24 13:15", acct="office", client="outlook", to=TOM, cc=ANNA,
      subject="AW: Defects list acceptance", lang="en", quotes=[Q(TOM, "2024-09-24 11:50", """
Jen, Rademacher is asking by when the defects have to be fixed. The list has 23 items. T.
""")], raw_fix=[("To: Tom Becker <tom.becker@hafencity-planung.example>",
                 'To: "Becker, Tom <tom.becker@hafencity-planung.example')], text="""
Hi Tom,

items 1 to 9 (fall protection on the play pier, loose slabs by the water, missing tree ties) must be done by 4 October, they're safety-relevant. The rest by the end of October, and the lawns by the acceptance of the completion maintenance in spring.

Please give him the list with these three deadlines in writing, and cc me.

Thanks,
Jen
"""),
    M("24-elodie-visit-hh", "2024-10-01 20:05", acct="main", client="gmail", to=ELODIE,
      subject="Re: Hamburg in October", lang="en", quotes=[Q(ELODIE, "2024-09-30 09:12", """
Jen! I'm coming to Hamburg from 17 to 20 October for a conference. Will you show me your park?

É.
""")], text="""
Élodie!

What good news! Of course I'll show you the Elbpark — it's only a month old and still a bit thin, but the children have already adopted it.

How about Friday the 18th at 16:00: we meet at Überseequartier station, walk along the water to the play pier, and then have dinner at ours in Ottensen. Max will make his fish soup, it's his speciality.

On Saturday, if you like, we can go and see the roof garden in the Speicherstadt.

Love,
Jen
"""),
    M("24-fwd-pure-foerder", "2024-10-10 08:45", acct="studio", client="apple", to=FRAU_YILMAZ,
      subject="Fwd: Förderprogramm Hamburgs Grün – Eingangsbestätigung", lang="de",
      fwd=Q(P("Behörde für Umwelt", "foerderung@bukea-hamburg.example"), "2024-10-09 16:30", """
Sehr geehrte Frau Weber,

hiermit bestätigen wir den Eingang Ihres Förderantrags „Entsiegelung Schulhof Bahrenfelder Straße“ (Az. HG-2024-0187). Die Prüfung dauert in der Regel 10 bis 14 Wochen.

Mit freundlichen Grüßen
Ihre Förderstelle
""", subject="Förderprogramm Hamburgs Grün – Eingangsbestätigung", to=JEN_STUDIO)),
    M("24-rooftop-pflege", "2024-10-16 17:40", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Re: Maintenance inspection roof garden", lang="en", quotes=[Q(LENA, "2024-10-14 09:00", """
Dear Ms Weber,

for the maintenance inspection on Wednesday: the tenants have complained about dry patches in the lavender. Could you take a look?

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

today was the first maintenance inspection on the roof, here's the short version:

The serviceberries are splendid, one already has autumn colour. The lavender on the west side, on the other hand, has partly dried out — the drip lines were blocked for two weeks in August. I've agreed with the maintenance company that they'll clean the filters every month from now on.

The tenants look after the raised beds very differently. Three are beautiful, two are sadly nettle beds. Maybe a small gardeners' get-together in spring would help? I'd be happy to run it.

Kind regards,
Jen Weber
"""),
    M("24-katrin-short", "2024-10-28 19:02", to=KATRIN, subject="Re: Raised bed photos", lang="en",
      quotes=[Q(KATRIN, "2024-10-28 18:50", """
Papa sent me the photos of the raised bed. He's already painted a sign: "Gerd's Garden". 😂
""")], text="""
Haha, typical! He's so proud.
"""),
    M("24-schulkonferenz-owa", "2024-10-09 07:55", acct="studio", client="gmail", to=FRAU_YILMAZ,
      subject="Re: School conference yesterday", lang="en", html="alt", quotes=[Q(FRAU_YILMAZ, "2024-10-08 22:10", """
Dear Ms Weber,

the school conference approved the preliminary design unanimously! Only the willow tunnel sparked a longer discussion (ticks?).

Kind regards,
Derya Yılmaz
""")], text="""
Dear Ms Yılmaz,

that's wonderful, thank you for your support last night!

About the ticks: the willows stand on lawn, not in long grass, so the risk is very low. I'm happy to write a short paragraph on it for the letter to parents, together with a note from the health authority.

Next comes the detailed design. I'll be in touch in early November about a meeting with Mr Petersen on the pipes.

Kind regards,
Jen Weber
"""),
    M("24-hausmeister-inline", "2024-11-12 16:40", acct="studio", client="gmail", to=HAUSMEISTER,
      subject="Re: Pipes in the schoolyard", lang="en", alang="de", post="inline",
      quotes=[Q(HAUSMEISTER, "2024-11-12 12:05", "")], parts=[
          ("me", "Hi Mr Petersen,\n\nthank you for the information! My answers are below:"),
          ("q", "The gas pipe doesn't run where the plan says, it's about 2 m further east, I've marked it with chalk."),
          ("me", "That's really important, thank you. I'll have it located before construction starts, and then we'll move tree no. 4 west accordingly."),
          ("q", "There's no water connection for the drinking fountain by the pitch, only at the caretaker's house."),
          ("me", "Then we'll lay a new pipe from the caretaker's house, that's about 35 m. I'll add it to the cost calculation."),
          ("q", "Who takes care of the watering in summer? I'm away for three weeks in July."),
          ("me", "For the first three years the landscaping firm does it as part of the establishment maintenance. So you don't have to water anything, I promise."),
          ("me", "Best regards,\nJen Weber"),
      ]),
    M("24-marta-christmas", "2024-12-18 20:30", to=MARTA, subject="Merry Christmas!", lang="en", client="apple",
      html="only", text="""
Dear Marta,

Merry Christmas to you and the whole family! It's cold here and dark at four, but the Christmas market in Ottensen makes up for it a bit.

News: the supplier you recommended, Javier, has been a delight. In autumn 2025 we're going to plant salvias and Phlomis from Valencia in a Hamburg schoolyard. Your Russafa courtyard has a German child!

When are you coming back? We have a spare bed and lots of tea.

Huge hug,
Jen
"""),
    M("24-tax-android-short", "2024-12-20 11:15", acct="studio", client="apple", to=STEUER,
      subject="Re: Advance payment Q1", lang="en", quotes=[Q(STEUER, "2024-12-19 17:00", """
Dear Ms Weber, the advance payment for Q1 2025 is 2,140 euros, due on 10 March. Best regards, P. Kahl
""")], text="""
Dear Ms Kahl,

thank you, noted and set up as a standing order. Happy holidays!

Best regards,
Jen Weber
"""),
]

EMAILS += [
    M("24-birgit-invoice", "2024-02-01 11:25", acct="office", client="outlook", to=BIRGIT,
      subject="AW: Invoice January", lang="en", quotes=[Q(BIRGIT, "2024-02-01 10:40", """
Dear Jen, your January invoice is missing the timesheet. Could you send it? Thanks, Birgit
""")], text="""
Dear Birgit,

oh, sorry, it's attached now, 62 hours in total, 18 of them on site. I didn't change the invoice number, so please just replace the old PDF.

Thanks and best,
Jen
""", attach=[("Stundenaufstellung_2024-01_Weber.pdf", "pdf")]),
    M("24-uni-jury", "2024-02-20 14:10", acct="studio", client="apple", to=UNI,
      subject="Re: Jury for the master's projects", lang="en", quotes=[Q(UNI, "2024-02-19 09:30", """
Dear Ms Weber,

would you sit on the jury for the master's projects on 11 July? 9:00–17:00, 14 projects, lunch included.

Kind regards,
Henrik Dahl
""")], text="""
Dear Professor Dahl,

with pleasure, 11 July is in my calendar. Fourteen projects in one day is ambitious, but then I am a runner.

Could you send me the projects as PDFs beforehand? I'd rather read them calmly and ask good questions than see them for the first time during the presentation.

Kind regards,
Jen Weber
"""),
    M("24-lotte-bottom", "2024-03-02 09:40", to=LOTTE, subject="Re: Gartenmarkt", lang="en", post="bottom",
      client="thunderbird", quotes=[Q(LOTTE, "2024-03-01 22:15", """
Are you coming to the plant swap at the Fabrik on Saturday? I've got far too many spider plant babies and
I know you secretly want one.
""")], text="""
I do secretly want one. I'll bring cuttings of my fig and some of the Erigeron seedlings from the
balcony in exchange. See you at 11 by the entrance?

Jen
"""),
    M("24-tom-thanks-short", "2024-03-20 08:12", acct="office", client="outlook", to=TOM,
      subject="AW: Pflanzplan Version 7", lang="en", quotes=[Q(TOM, "2024-03-19 19:40", """
Pflanzplan v7 is on the server, I swapped the two Amelanchier at the entrance as you wanted. T.
""")], text="""
Perfect, thank you Tom! That's the one we'll send to Rademacher.
"""),
    M("24-sven-fwd-thunderbird", "2024-05-29 09:30", acct="studio", client="thunderbird", to=JONAS,
      subject="Fwd: Re: Enquiry: trees for a schoolyard in Altona", lang="en", alang="de", fwd=Q(SVEN, "2024-05-28 16:42", """
Hello Ms Weber,

for autumn 2025 I can reserve: 6 field maples, 5 hornbeams, 3 Turkey oaks, all girth 20-25. I don't have a plane as a specimen tree, but a very fine manna ash, 7 m tall. Prices to follow.

Regards,
Sven Albers
""", subject="Re: Enquiry: trees for a schoolyard in Altona", to=JEN_STUDIO), text="""
Hi Jonas,

here's the reply from Albers. Could you put the tree species into the preliminary design? The manna ash please as the entrance tree, left of the gate, where the bike racks are now.

Thanks!
Jen
"""),
    M("24-ndr-friends", "2024-04-25 21:55", to=[MAMA, PAPA, KATRIN], subject="Me on TV", lang="en",
      client="gmail", text="""
Dear all,

in case you missed it: the piece about the Elbpark was on the Hamburg Journal tonight, from minute 12. Here's the link to the media library: https://www.ndr.example/hamburg-journal/elbpark-2024

I say "sozusagen" about forty times, please don't count. Anna is the woman in the yellow hard hat.

Love,
Jen
"""),
    M("24-elodie-plant-palette", "2024-03-06 23:15", acct="studio", client="apple", to=ELODIE,
      subject="Planting palette Villeurbanne", lang="en", attach=[("palette_vegetale_villeurbanne.pdf", "pdf")],
      text="""
Dear Élodie,

here's the planting palette for Villeurbanne, attached. I've mostly chosen dry-loving perennials that can take a Lyon summer: Perovskia, Nepeta, Achillea, Sedum, and grasses like Stipa and Pennisetum.

For the trees I suggest Judas trees and Montpellier maples, smaller than plane trees and easier for a community garden.

It's almost midnight, so forgive any typos!

Love,
Jen
"""),
    M("24-club-volunteer", "2024-06-25 20:10", to=NIKLAS, subject="Re: Helpers Alster run", lang="en",
      client="gmail", quotes=[Q(NIKLAS, "2024-06-25 18:30", """
Hi Jen, we still need people for the refreshment stand at the Alster run on 15 September. Do you have time?
""")], text="""
Hi Niklas,

15 September doesn't work, sadly — the Elbpark opens the day before and I'll definitely be lying on the sofa.

But Max said he'd be happy to do it! He can be there from 8:00 and will bring his thermos flasks. Just write to him directly: max.brandt@lindenmail.example.

Cheers,
Jen
"""),
    M("24-jury-day", "2024-07-11 21:40", acct="studio", client="iphone", to=UNI, subject="Thank you for the jury day",
      lang="en", text="""
Dear Professor Dahl,

thank you for a long and lovely day! Ms Okafor's project on rainwater in the Schanzenviertel stayed with me all the way home. If she's looking for a job: we'll have one in the autumn.

Kind regards,
Jen Weber
"""),
    M("24-mama-herbst", "2024-11-03 18:20", to=MAMA, subject="Re: Tulip bulbs", lang="en",
      quotes=[Q(MAMA, "2024-11-03 12:10", """
Dear Jen, is it too late for tulip bulbs now? I found another 40 in the cellar. Mum
""")], text="""
Dear Mum,

no, not at all! You can plant tulips until mid-December, as long as the ground isn't frozen. Ideally about 15 cm deep, so three times as deep as the bulb is tall, pointy end up.

If the voles come back, put them in a wire basket. Papa still has the rabbit wire in the garage.

Love,
Jen
"""),
    M("24-schulhof-presentation-kids", "2024-11-26 15:50", acct="studio", client="apple", to=FRAU_YILMAZ,
      subject="Presentation for the children", lang="en", text="""
Dear Ms Yılmaz,

before the funding decision comes, I'd love to show the children what has become of their models. I've prepared a short presentation with 12 pictures, no plans at all — just drawings and photos of the models from March.

Could we do it during a long break in the hall, perhaps on Friday 6 December? 15 minutes is enough.

Kind regards,
Jen Weber
"""),
]

EMAILS += [
    M("24-max-longweekend", "2024-05-07 13:05", to=MAX, subject="Re: Pfingsten", lang="en", client="gmail",
      quotes=[Q(MAX, "2024-05-07 12:20", """
Pfingsten: Sylt, Lüneburger Heide or nothing at all? I vote nothing at all. M.
""")], text="""
I vote Heide, but the lazy version: we take the train to Undeloh on Saturday, walk to the Wilseder Berg and back (about 12 km), stay one night at the Heidehof and come home on Sunday afternoon. No car, no plans, no laptop.

Nothing at all is Monday. Deal?

J
"""),
    M("24-tom-office-en", "2024-08-27 16:30", acct="office", client="outlook", to=TOM, subject="AW: Infotafeln",
      lang="en", quotes=[Q(TOM, "2024-08-27 15:05", """
Jen, the sign maker needs the final texts for the two info boards by tomorrow noon, otherwise they won't be ready for the 14th. T.
"""), Q(JEN_OFFICE, "2024-08-26 10:00", """
Tom, texts for the info boards are almost done, you'll have them tomorrow. J
""", to=TOM)], text="""
Hey Tom —

here they are, sorry for the delay. Board 1 (history of the site): 180 words, German and English. Board 2 (plants and animals): 160 words, plus the list of the six poplars with their age, which the kids asked for.

Please check the English on board 2, I wasn't sure about "willow warbler" vs. "chiffchaff". If in doubt, leave the bird out.

Thanks!
Jen
"""),
    M("24-lotte-longform", "2024-10-22 22:10", to=LOTTE, subject="Re: how are you, really?", lang="en",
      quotes=[Q(LOTTE, "2024-10-21 20:15", """
Hey you. We haven't really talked since the summer. How are you, really? Not the work version.

L.
""")], text="""
Hi Lotte,

thank you for asking, and for adding "really" — you know me too well.

The honest version: I'm tired, but the good kind of tired. The Elbpark opening in September was the end of almost two years of work, and for about a week afterwards I didn't know what to do with myself. I kept walking there in the evenings to check on the trees, like a parent at a school gate.

Then the school courtyard started properly, and it's the opposite of the Elbpark: small, loud, full of children with very strong opinions. I love it. Yesterday a boy from the 3b told me the willow tunnel should have a door "so the teachers can't come in". He's not wrong.

Papa's 70th was lovely, Mama cried during the choir, Katrin and I are getting along better than we have in years. Max is fine, slightly obsessed with fermenting things in our kitchen.

What I'm missing is time with friends. So: walk on Sunday? Elbe beach, Övelgönne, 10:00, and then breakfast?

Love,
Jen
"""),
    M("24-katrin-en-sunday", "2024-11-17 18:45", to=KATRIN, subject="Re: Sunday call", lang="en", client="iphone",
      quotes=[Q(KATRIN, "2024-11-17 17:30", """
Sorry I missed your call, Mia had a swimming thing. Everything ok? Mama said you sounded stressed.
""")], text="""
All fine! Just work chaos — the school funding application needed three extra documents by Monday. Done now, and I'm on the sofa with tea. Call tomorrow after Mia's in bed?
"""),
]
