# ruff: noqa: F405
"""Jen's mail from 2025: the school courtyard is built, a second roof, Elbpark grows up."""

from cast import *  # noqa: F403

# Hand-written data: one compact block per message reads better than the formatter's layout.
# fmt: off

EMAILS = [
    M("25-foerder-yes", "2025-01-14 12:30", acct="studio", client="apple", to=[FRAU_YILMAZ, ELTERNRAT],
      cc=HAUSMEISTER, subject="Funding approved for the schoolyard!!", lang="en", text="""
Dear Ms Yılmaz, dear Ms Mendes, dear Mr Petersen,

the decision came today: the schoolyard will receive 246,000 euros from the "Hamburgs Grün" programme, that's 60 % of the eligible costs. I was so happy I cheered out loud in the office.

The timetable now looks like this:
– by March: detailed design and tender
– May: contract awarded to a landscaping firm
– summer holidays (10 July to 20 August): unsealing and earthworks, so that lessons aren't disturbed
– November: planting, together with the classes

Let's find a date in February to tell the children. They've earned it.

Kind regards,
Jen Weber
"""),
    M("25-yilmaz-merci", "2025-01-14 13:05", sender=FRAU_YILMAZ, to=JEN_STUDIO, client="outlook",
      subject="RE: Funding approved for the schoolyard!!", lang="en", text="""
Dear Ms Weber, what wonderful news! I announced it in the staff room straight away. Warmly, D. Yılmaz
"""),
    M("25-anna-dog-park", "2025-01-21 10:12", acct="office", client="outlook", to=ANNA,
      subject="AW: Beschwerden Hundewiese", lang="en", quotes=[Q(ANNA, "2025-01-21 09:40", """
Hi Jen,

the Bezirk forwarded 11 complaints about the dog area: mud, mud and more mud. The grass is gone between the gate and the water bowl. Any ideas before someone suggests asphalt?

Anna
"""), Q(BIRGIT, "2025-01-20 16:55", """
Anna, complaints from the citizens' portal attached, for the planning team. Thanks, Birgit
""", to=ANNA)], text="""
Hi Anna,

not surprised, to be honest — 300 dogs a day on fresh turf in a wet winter was never going to work. But definitely no asphalt.

My suggestion: a 4-metre band of compacted gravel (0/16, like the paths) from the gate to the water bowl, where the dogs run anyway, and the rest of the area closed off until April so the grass can recover. Cost maybe 6–8k, Rademacher could do it in February under his maintenance contract.

Happy to explain this to the Bezirk myself if it helps.

Best,
Jen
"""),
    M("25-mama-knie", "2025-01-27 19:40", to=MAMA, subject="Re: OP-Termin", lang="de", client="gmail", alang="de",
      quotes=[Q(MAMA, "2025-01-27 15:22", """
Liebe Jen, der Termin für mein Knie ist jetzt am 18. Februar im Klinikum Lüneburg. Papa fährt mich hin. Mach dir keine Sorgen. Mama
""")], text="""
Liebe Mama,

danke, dass du Bescheid sagst. Ich mache mir natürlich trotzdem Sorgen, so bin ich halt.

Ich nehme mir die Woche danach frei und komme am 19. nach Lüneburg, dann kann ich Papa beim Einkaufen und Kochen helfen und dich im Krankenhaus besuchen. Katrin kommt am Wochenende dazu.

Soll ich dir Bücher mitbringen? Ich hätte den neuen Krimi von Nele Neuhaus, den du dir gewünscht hattest.

Ganz liebe Grüße und bis bald,
Jen
"""),
    M("25-lena-kehrwieder", "2025-02-04 09:35", acct="studio", client="apple", to=LENA,
      subject="Re: Kehrwieder roof", lang="en", quotes=[Q(LENA, "2025-02-03 17:48", """
Dear Ms Weber,

you predicted it: the board would like to green the roof at Kehrwieder 5 as well. This time it's to be open to the public, with a small café. Would you have time for a first conversation?

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

what lovely news — and yes, I have time!

A public roof garden with a café is a different kind of project from Brooksfleet, though: we'll need two escape routes, step-free access and most likely a building application with a fire safety concept. All of that is doable, but it changes the budget and the timetable considerably.

How about a site visit on the roof on Tuesday 11 February at 10:00? I'd bring Mr Brandes along so that we have the structure in view early on.

Kind regards,
Jen Weber
"""),
    M("25-press-received", "2025-02-10 11:00", sender=PRESS, to=JEN_STUDIO, subject="Interview request Garten + Landschaft",
      lang="en", html="alt", client="outlook", text="""
Dear Ms Weber,

for our May issue on "Roofs as urban nature" we would like to feature your roof garden at Brooksfleet. Would you have time for a phone interview of about 45 minutes, and could we take photographs there?

Kind regards,
Miriam Lange
Editorial team, Garten + Landschaft
"""),
    M("25-press-reply", "2025-02-11 18:20", acct="studio", client="apple", to=PRESS, cc=LENA,
      subject="Re: Interview request Garten + Landschaft", lang="en", quotes=[Q(PRESS, "2025-02-10 11:00", """
Dear Ms Weber,

for our May issue on "Roofs as urban nature" we would like to feature your roof garden at Brooksfleet. Would you have time for a phone interview of about 45 minutes, and could we take photographs there?

Kind regards,
Miriam Lange
""", to=JEN_STUDIO)], text="""
Dear Ms Lange,

thank you for your request, I'm delighted.

For the interview, Thursday 20 February from 14:00 works for me, on 040 3861 2290. For the photos we need to ask Dr. Hoffmann from the owners, so I've copied her in. I'd recommend the end of April for the shoot: that's when the serviceberries are in flower and the roof looks its best.

Kind regards,
Jen Weber
"""),
    M("25-freya-coach", "2025-02-17 21:10", to=FREYA, subject="Re: Lauftreff Anfänger", lang="en",
      quotes=[Q(FREYA, "2025-02-17 19:55", """
Niklas asked if we'd co-coach the beginners' group on Saturdays from March. 9:00 at the Alster, 6 weeks, 0 to 5 km. Are you in? I am if you are.
""")], text="""
Okay, I'm in — but only if we do it properly: walk-run intervals, no one left behind, and coffee at the Kajüte afterwards is part of the programme.

I'll draft a six-week plan this week. Week 1 is eight rounds of one minute running and ninety seconds walking. Week 6 is the Alster loop without stopping, 7.4 km, and I know it's more than 5 but they'll love it.

Jen
"""),
    M("25-katrin-moving", "2025-03-02 20:45", to=KATRIN, subject="Re: News", lang="en", client="iphone", alang="de",
      quotes=[Q(KATRIN, "2025-03-02 19:12", """
Sit down: I got the job in Hamburg!!! Starting 1 August. Mia and I are moving near you. Now we just need a flat 🙈
""")], text="""
KAT!!! I'm sitting, and I'm crying a little.

This is the best news of the year. I'll start asking around right away: the family on the 2nd floor of our building might move out in the summer, and Lotte knows someone at SAGA.

Mia can go to the school on Bahrenfelder Straße, with her aunt's new schoolyard. 😄

Call me tomorrow, I want to know everything.
"""),
    M("25-tender-outlook-orig", "2025-03-18 16:40", acct="studio", client="outlook_orig", to=GALABAU,
      subject="RE: Ausschreibung Schulhof – Rückfrage", lang="en", from_hdr="JEN WEBER <JEN@WEBER-LANDSCAPES.EXAMPLE>",
      quotes=[Q(GALABAU, "2025-03-18 14:02", """
Dear Ms Weber,

our new site manager, Mr. Lindqvist, does not speak German yet. Could you send him the answers to our questions on the school courtyard tender in English? Questions are in the attached list.

Kind regards,
Kai Rademacher
""")], text="""
Dear Mr Rademacher, dear Mr Lindqvist,

of course, here are the answers:

Position 3.12 (willow tunnel): the willow rods are supplied by us through the school's own willow bed, so please only price the labour — two days with a class, in November.

Position 5.04 (permeable paving): yes, the joint width of 3 cm is intentional, we want moss and small plants to grow in between.

Position 7.01 (maintenance): three years of development care, including watering from May to September. Please price it per year.

Deadline for your offer stays 4 April, 12:00.

Kind regards,
Jen Weber
"""),
    M("25-anna-short-mobile", "2025-03-25 08:05", acct="office", client="outlook_mobile", to=ANNA,
      subject="AW: Gravel band done", lang="en", quotes=[Q(ANNA, "2025-03-24 17:30", """
The gravel band in the dog area is finished, photos attached. Looks good!
""")], text="""
Looks great, thanks!
"""),
    M("25-elodie-fwd-note", "2025-04-01 10:20", acct="studio", client="apple", to=ELODIE,
      subject="Fwd: Appel à candidatures – Jardins de la Confluence", lang="en",
      fwd=Q(P("Métropole de Lyon", "concours@grandlyon.example"), "2025-03-31 09:00", """
Madame, Monsieur,

La Métropole de Lyon lance un appel à candidatures pour la conception des jardins de la Confluence (2,4 ha). Les équipes pluridisciplinaires sont invitées à déposer leur candidature avant le 12 mai 2025.

Cordialement,
Service des espaces publics
""", subject="Appel à candidatures – Jardins de la Confluence", to=JEN_STUDIO), text="""
Élodie,

have you seen this? I think this is our revenge for the Saône. This time we put a real maintenance plan into the submission, with numbers, as we promised each other.

I can take care of the note on the planting and the German references. Shall we talk this week?

Love,
Jen
"""),
    M("25-elodie-merci", "2025-04-03 18:02", acct="studio", client="iphone", to=ELODIE,
      subject="Re: Confluence – call on Thursday", lang="en", quotes=[Q(ELODIE, "2025-04-03 17:40", """
Great! Thursday 10:00 then. Pierre is preparing the references.
""")], text="""
Perfect, see you Thursday! Thanks so much.
"""),
    M("25-papa-hochbeet", "2025-04-13 17:30", to=PAPA, subject="Re: Hochbeet", lang="de", client="gmail",
      charset="iso-8859-1", cte="quoted-printable", quotes=[Q(PAPA, "2025-04-13 10:02", """
Liebe Jen, das Hochbeet ist fertig befüllt. Was soll ich jetzt säen? Papa
""")], text="""
Lieber Papa,

Mama hat mir erzählt, dass du das Hochbeet jetzt jeden Morgen im Schlafanzug gießt. Bitte nicht zu viel! Im April reicht es, wenn du alle zwei, drei Tage gießt, und nur, wenn die Erde in zwei Fingern Tiefe trocken ist.

Für die erste Reihe empfehle ich dir Radieschen, Pflücksalat und Spinat, die vertragen noch kalte Nächte. Tomaten und Basilikum bitte erst nach den Eisheiligen, also nach dem 15. Mai.

Ich bringe dir am Wochenende noch eine Schneckenkante aus Kupfer mit, die Viecher sind bei euch ja berüchtigt.

Dein Gärtnerlehrling aus Hamburg,
Jen
"""),
    M("25-interview-alt", "2025-04-22 09:10", acct="studio", client="gmail", html="alt", to=PRESS,
      subject="Re: Photo shoot Brooksfleet", lang="en", quotes=[Q(PRESS, "2025-04-21 16:30", """
Dear Ms Weber, our photographer could do 29 April at 7:30, because of the morning light. Does that work? M. Lange
""")], text="""
Dear Ms Lange,

29 April at 7:30 works, early as it is — the morning light over the canals is worth it.

Ms Voss from the owners will let the photographer in downstairs in the foyer, Brooksfleet 3. I'll come too and show him where the best angles are. Please don't let anyone climb on the raised beds, the tenants are very protective of them!

Best regards,
Jen Weber
"""),
    M("25-marta-visit", "2025-05-06 21:50", to=MARTA, subject="Re: We arrive on the 23rd!", lang="en", client="iphone",
      quotes=[Q(MARTA, "2025-05-06 20:15", """
Jen! We've got the tickets: we land on Friday 23 May at 18:40, Pablo and me. Are you sure we're not a bother?
""")], text="""
So exciting! Of course you're not a bother, the guest bed is already made.

We'll pick you up at the airport at 18:40. On Saturday I'll take you to the Elbpark and the Speicherstadt roof, and on Sunday, if it's sunny, we'll cycle along the Elbe to Blankenese.

Hugs,
Jen
"""),
    M("25-vergabe-schulhof", "2025-05-15 14:20", acct="studio", client="thunderbird", to=[FRAU_YILMAZ, ELTERNRAT],
      subject="Schoolyard contract and summer timetable", lang="en", text="""
Dear Ms Yılmaz, dear Ms Mendes,

the contract has been awarded: it goes to Rademacher GaLaBau, whom we already worked with very well on the Elbpark. At 372,000 euros including VAT, the offer came in just under our cost estimate.

Construction starts on the first day of the holidays, Thursday 10 July. The first two weeks will be loud: the asphalt will be broken up and taken away. Could you let the neighbours on Bahrenfelder Straße know with a notice? I'm happy to write the text for it.

By 20 August, when school starts, all areas will be safe to walk on again. The planting follows in November.

Kind regards,
Jen Weber
"""),
    M("25-jonas-thesis", "2025-05-28 10:15", acct="studio", client="apple", to=JONAS,
      subject="Re: Master's thesis – outline", lang="en", post="bottom", quotes=[Q(JONAS, "2025-05-27 23:12", """
Hi Jen,

attached is my outline for the master's thesis on roof gardens as habitat for wild bees. Chapter 4 would be the Brooksfleet case study. Is that okay with you and with Dr. Hoffmann?

Jonas
""")], text="""
Hi Jonas,

the outline is strong, especially chapter 3 with the methodology. I'd narrow chapter 4 a little: only the wild bees, not the birds, otherwise it'll never end.

I'll ask Dr. Hoffmann, but I'm sure she'll be pleased. You're welcome to do the nesting aid counts every other Friday from June, you can get the key from Ms Voss.

Jen
"""),
    M("25-baumschule-auto", "2025-06-02 06:00", sender=BAUMSCHULE, to=JEN_STUDIO,
      subject="Auftragsbestätigung Nr. 25-1184", lang="de", text="""
Sehr geehrte Kundin,

vielen Dank für Ihren Auftrag. Hiermit bestätigen wir die Reservierung folgender Gehölze zur Lieferung KW 46/2025: 6 Acer campestre StU 20-25, 5 Carpinus betulus StU 20-25, 3 Quercus cerris StU 20-25, 1 Fraxinus ornus Solitär.

Dies ist eine automatisch erstellte Nachricht.
Baumschule Albers GmbH, Pinneberg
"""),
    M("25-katrin-wohnung", "2025-06-10 07:30", to=KATRIN, cc=MAX, subject="Flat on the 2nd floor!", lang="en",
      html="only", client="gmail", text="""
Kat,

it's official: the Kowalskis on the 2nd floor are moving out at the end of July, and the property management said they'd be happy to take you as the next tenant if you send the documents by Friday (payslips, Schufa credit report, ID).

3 rooms, 78 m², balcony facing the courtyard, 1,240 euros including heating. A viewing is possible on Saturday at 11, Ms Kowalski will be there.

Are you coming? I'll make lunch.

Jen
"""),
    M("25-anna-elbpark-anniv", "2025-06-24 16:05", acct="office", client="owa", to=[ANNA, TOM],
      subject="Elbpark – ein Jahr Pflege, Bilanz", lang="en", text="""
Hi Anna, hi Tom,

before the summer break, a short summary of the first maintenance year, for the report to the Bezirk:

Trees: 47 of 48 are doing well. The one by the kiosk (no. 31) didn't make it, Rademacher replaces it in November at his cost.
Lawns: fine everywhere except the dog area, where the gravel band solved most of the mud.
Play pier: two broken planks after the storm in February, fixed within a week.
Use: the counters at the entrances show about 4,800 visitors on a sunny Sunday.

What I'd add for phase 2: more benches in the shade — people bring their own camping chairs, which tells us everything.

Best,
Jen
"""),
    M("25-lena-kehrwieder-bauantrag", "2025-07-02 11:45", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Kehrwieder building application submitted", lang="en", text="""
Dear Dr. Hoffmann,

the building application for the Kehrwieder roof garden was submitted today, together with the fire safety concept by Dr. Ritter. The building authority expects three to four months of processing time.

Since the preliminary design, the costs have gone up by about 8 %, mainly because of the second stair tower. You'll have the updated cost estimate by the end of next week.

I'm on holiday from 21 July to 8 August. During that time Jonas Krüger will stand in for me, jonas@weber-landscapes.example, tel. 040 3861 2291.

Kind regards,
Jen Weber
"""),
    M("25-baustart-iphone", "2025-07-10 07:20", acct="studio", client="iphone", to=[FRAU_YILMAZ, HAUSMEISTER],
      subject="Construction starts today", lang="en", text="""
Good morning,

the digger is here, the site fence is up, we're off! I'll be in the yard until 10:00 in case you'd like to discuss anything. Mr Petersen, thank you for unlocking so early.
"""),
]

EMAILS += [
    M("25-ferien-vertretung", "2025-07-18 17:10", acct="studio", client="thunderbird", to=JONAS,
      subject="Handover before my holiday", lang="en", text="""
Hi Jonas,

from Monday you're the boss, have fun! The most important points:

Schoolyard: Rademacher is almost through with the asphalt. There's a site meeting on 29 July at 8:00 on site, please go and take photos of the tree pits. If the gas pipe turns up, have the work stopped immediately and call Mr Petersen.

Kehrwieder: the building authority may have questions about fire safety. Please forward them straight to Dr. Ritter.

Invoices: please don't approve anything over 2,000 euros, that can wait until 8 August.

In an emergency: text 0170 5523918. I'll be in Denmark, so really only in an emergency.

Thanks!
Jen
"""),
    M("25-jonas-inline", "2025-07-30 21:05", acct="studio", client="gmail", alang="de", to=JONAS,
      subject="Re: Site meeting 29.7.", lang="en", post="inline",
      quotes=[Q(JONAS, "2025-07-30 18:40", "")], parts=[
          ("me", "Hi Jonas,\n\nsorry, I couldn't resist having a quick look. Thanks for the great report!"),
          ("q", "Tree pit 4 had to be moved 1.80 m to the west because of the gas pipe."),
          ("me", "Well done. Please add it to the plan so the seating steps don't clash with the tree pit."),
          ("q", "Rademacher is asking whether he should order the substrate for the tree pits now or only in October."),
          ("me", "Order it now, but delivery only at the end of October. Otherwise it sits in the rain for three months and turns to mud."),
          ("me", "And now I'm really going back to the beach.\n\nJen"),
      ]),
    M("25-katrin-move-day", "2025-08-01 22:10", to=KATRIN, subject="Welcome to the building!", lang="en", client="iphone",
      text="""
Dear Kat, dear Mia,

welcome to Kleine Rainstraße! I still can't believe you now live just one floor below us.

The key for the bike cellar is in your letterbox. And Mia: there's a tomato plant on the balcony for you, its name is Herbert. Don't forget to water him!
"""),
    M("25-school-start", "2025-08-20 16:30", acct="studio", client="apple", html="only", to=FRAU_YILMAZ,
      subject="Re: First day of school", lang="en", quotes=[Q(FRAU_YILMAZ, "2025-08-20 13:10", """
Dear Ms Weber,

the children stormed onto the new yard today as if they'd been given a present. Even without plants it's already a completely different place. Thank you!

Warmly,
Derya Yılmaz
""")], text="""
Dear Ms Yılmaz,

I'm so pleased! I walked past the fence myself at lunchtime and saw three girls giving a concert on the new seating steps. So the rap stage is working already.

For the planting days in November I suggest the week of 10 to 14 November. Each class gets an hour and plants "its" tree or a piece of the perennial bed. The trees arrive on the 10th at 7:00.

Kind regards,
Jen Weber
"""),
    M("25-confluence-result", "2025-09-05 08:45", acct="studio", client="gmail", to=[ELODIE, PIERRE],
      subject="Re: Confluence – résultat !!!", lang="fr", quotes=[Q(PIERRE, "2025-09-04 20:30", """
Jen, Élodie,

Nous sommes lauréats de la Confluence !!! Le jury a souligné la qualité du plan de gestion. Champagne.

Pierre
""")], text="""
Pierre, Élodie,

JE SUIS TELLEMENT HEUREUSE ! J'ai lu le message trois fois avant d'y croire, puis j'ai réveillé Max.

« La qualité du plan de gestion » – après la Saône, c'est la plus belle phrase qu'un jury pouvait écrire. On l'avait promis, on l'a fait.

Je viens à Lyon quand vous voulez pour le lancement. Et je m'occupe du champagne la prochaine fois, promis.

Je vous embrasse fort,
Jen
"""),
    M("25-mama-pure-fwd", "2025-09-12 19:05", to=KATRIN, subject="Fwd: Fotos vom Knie-Spaziergang", lang="de",
      client="gmail", alang="de", fwd=Q(MAMA, "2025-09-12 17:44", """
Liebe Kinder,

hier ein Foto vom Spaziergang heute: 6 Kilometer bis zur Ilmenau und zurück, ganz ohne Stock! Der Arzt ist sehr zufrieden.

Kuss, Mama
""", subject="Fotos vom Knie-Spaziergang", to=JEN_MAIN)),
    M("25-galabau-planting", "2025-10-20 13:30", acct="studio", client="outlook", to=GALABAU,
      subject="RE: Planting week schoolyard 10–14 Nov", lang="en", quotes=[Q(GALABAU, "2025-10-17 15:20", """
Dear Ms Weber,

could you send us the exact schedule for the planting week? We need to organise the crew.

Kind regards,
Kai Rademacher
""")], text="""
Dear Mr Rademacher,

to prepare for the planting week at the schoolyard, here's the schedule as agreed with the school:

Monday 10 Nov, 7:00: delivery of the 15 trees from Baumschule Albers. Please have two people and a wheel loader on site, the trees must be off the yard before 8:00, when the children arrive.
Monday to Friday, 8:30–13:00: planting with the classes. Your team sets the trees, the children do the perennials and the mulching. Each hour one class of about 24 children comes out.
Friday 14 Nov, 12:00: a small celebration, you and your team are warmly invited.

Please remember plenty of children's gloves, sizes 6 and 7. I'll bring watering cans.

Kind regards,
Jen Weber
"""),
    M("25-freya-short", "2025-10-21 20:00", to=FREYA, subject="Re: Samstag", lang="en", client="iphone",
      quotes=[Q(FREYA, "2025-10-21 19:40", """
Saturday 9:00 beginners' graduation run, Alster loop. Can you bring the medals? They're at yours.
""")], text="""
Yes! Medals, a thermos of tea and the cowbell. See you at 8:45 at the Kajüte.
"""),
    M("25-planting-week-done", "2025-11-14 18:25", acct="studio", client="apple", html="alt",
      to=[FRAU_YILMAZ, ELTERNRAT, HAUSMEISTER], cc=GALABAU, subject="Thank you for the planting week!", lang="en", text="""
Dear Ms Yılmaz, dear Ms Mendes, dear Mr Petersen,

what a week! 15 trees, around 1,400 perennials, 600 plants from Valencia and a willow tunnel that class 4b wove with a patience I would never have expected from nine-year-olds.

I was especially happy that so many parents came to the celebration on Friday. And that tree no. 4, which had to move because of the gas pipe, has now been christened "Gassy" by class 2a.

I'll come by for the first maintenance inspection in spring. Until then: the landscaping firm waters, the children watch.

With heartfelt thanks,
Jen Weber
"""),
    M("25-club-xmas-run", "2025-12-08 21:15", to=[NIKLAS, FREYA], subject="Mulled wine run 20.12.", lang="en",
      from_hdr="jen.weber@LINDENMAIL.EXAMPLE", text="""
Hi you two,

same as last year: mulled wine run on Saturday 20 December, start 16:00 at the Krugkoppelbrücke, once round the Alster and then mulled wine in our courtyard. Katrin is making children's punch for those who still have to run home.

Could you post it in the WhatsApp group? I accidentally got kicked out when I changed phones.

Cheers,
Jen
"""),
    M("25-lena-year-end", "2025-12-16 10:40", acct="studio", client="apple", to=LENA,
      subject="Looking back on the year, and Kehrwieder", lang="en", text="""
Dear Dr. Hoffmann,

as the year draws to a close, I wanted to thank you once more for working together so well. Brooksfleet has now made it into two magazines and a master's thesis — Jonas counted 23 species of wild bee there, including the rare small-headed resin bee.

On Kehrwieder: the building permit came on 9 December. If you agree, we'll tender in January and build from April. The café could then open in summer 2026.

I wish you and your team a restful holiday.

Kind regards,
Jen Weber
"""),
    M("25-anna-farewell", "2025-12-19 15:30", acct="office", client="outlook", to=ANNA,
      subject="AW: Mein letzter Tag", lang="en", quotes=[Q(ANNA, "2025-12-19 14:05", """
Dear all,

after six years at HafenCity Planung, today is my last day. I'm moving to the Bezirk Altona in January as head of the parks department, so you won't get rid of me completely.

Thank you for everything,
Anna
""")], text="""
Dear Anna,

I knew this was coming and it still makes me sad. The Elbpark would not be what it is without you — the workshops, the sticky notes, the NDR interview, and the dog area diplomacy.

Altona is lucky. And since my school courtyard is in your new district now, I expect very quick permits.

Lunch in January? I'll come to you.

Big hug,
Jen
"""),
]

SOPHIE = P("Sophie Clarke", "sophie.clarke@thornfield-landscape.example")  # London practice, conference
RIK = P("Rik de Vries", "rik@studio-dijk.example")  # Rotterdam, competition rival turned friend

EMAILS += [
    M("25-sophie-conference", "2025-01-30 11:40", acct="studio", client="apple", to=SOPHIE,
      subject="Re: Speaking at Landscape Futures, Manchester", lang="en", quotes=[Q(SOPHIE, "2025-01-29 17:05", """
Dear Jen,

I saw your talk on the Elbpark participation process at the HCU last year (a friend sent me the recording). We're putting together the programme for Landscape Futures in Manchester, 24–25 June, and I'd love you to speak in the session on "Designing with neighbours". 20 minutes plus Q&A, travel and one night covered.

Would you be interested?

Best wishes,
Sophie Clarke
Thornfield Landscape, London
""")], text="""
Dear Sophie,

thank you so much — what a lovely surprise, and I'm a little embarrassed that the recording is out there, because I remember saying "sozusagen" far too often.

Yes, I'd be very happy to speak in Manchester. The 24th would suit me best, as I need to be back in Hamburg on the 26th for a site meeting at a school we're building this summer.

For the talk, I'd like to go one step further than at the HCU: not only how we ran the workshops for the Elbpark, but what happened to the neighbours' wishes once the park opened. We now have a year of data — visitor counts, complaints, the famous dog area — and it's a much more honest story than the usual before-and-after pictures. If that fits the session, I'll send a title and abstract by mid-February.

One practical question: is there a projector with HDMI, or should I bring an adapter? I've lost twenty minutes to adapters before and I'd rather not do it in front of 200 people.

Best wishes from Hamburg,
Jen
"""),
    M("25-sophie-abstract", "2025-02-14 16:25", acct="studio", client="apple", to=SOPHIE,
      subject="Abstract for Manchester", lang="en", text="""
Dear Sophie,

as promised, here's the title and abstract for the "Designing with neighbours" session:

"A park, one year later: what 85 neighbours asked for, and what they got"

In 2023 we built the Elbpark in Hamburg's HafenCity with three public workshops, clay models and a lot of sticky notes. Twelve months after the opening, I look back at every major wish: shade, benches, a working toilet, a fenced dog area, and keeping six old poplars. Some of them worked beautifully, some failed in ways we didn't predict, and one turned into a mud bath. The talk is about what participation can and can't promise, and how to plan for the second year, not just the opening day.

It's 118 words — happy to cut it if you need something shorter for the programme.

Best,
Jen
"""),
    M("25-rik-rotterdam", "2025-03-10 20:30", to=RIK, subject="Re: Coffee in Hamburg?", lang="en",
      quotes=[Q(RIK, "2025-03-10 14:12", """
Hi Jen,

I'm in Hamburg next Thursday for a meeting at the Oberhafen. You still owe me a coffee for beating us in the Elbpark competition. :) Free around 16:00?

Rik
""")], text="""
Hey Rik —

I owe you much more than a coffee, you were very gracious about it. Thursday at 16:00 works. Let's meet at the Elbpark itself, by the play pier, and I'll show you what happened to the design you lost to. Then coffee at the Oberhafen-Kantine, it's two minutes away.

Fair warning: the dog area is still muddy at one corner. Please don't tell anyone in Rotterdam.

Cheers,
Jen
"""),
    M("25-katrin-en-mia", "2025-03-20 21:20", to=KATRIN, subject="Re: Mia's school", lang="en", client="iphone",
      quotes=[Q(KATRIN, "2025-03-20 20:45", """
Question: if we move in August, will Mia get a place at the school on Bahrenfelder Straße? Or do I have to fight someone?
""")], text="""
No fighting needed, I think. It's your catchment school if you live on our street, and the registration for moving families is done directly with the school office. Ask for Frau Demir, she's lovely.

I'll tell Frau Yılmaz you're coming, but I'm staying out of it otherwise — conflict of interest, I'm literally rebuilding her playground.
"""),
    M("25-tom-hey", "2025-04-08 09:15", acct="office", client="outlook", to=TOM, subject="AW: Phase 2 benches",
      lang="en", quotes=[Q(TOM, "2025-04-07 17:50", """
Jen, the Bezirk asks how many benches we want in phase 2 and where. They need it by Friday for the budget. T.
""")], text="""
Hey Tom —

24 benches, in three groups:

- 10 along the promenade between the customs house and the pier, all in the shade of the limes
- 8 around the lawn by the kiosk, half of them with backrests and armrests for older visitors
- 6 at the dog area, because the owners stand there for an hour every evening

Same model as phase 1 (Hess "Linea", robinia), so the maintenance team only needs one set of spare parts. I'll send you the marked-up plan this afternoon.

Thanks for pushing this through!
Jen
"""),
    M("25-freya-graduation", "2025-10-25 14:05", to=[FREYA, NIKLAS], subject="Re: Beginners graduation", lang="en",
      client="gmail", quotes=[Q(NIKLAS, "2025-10-25 12:30", """
What a morning! All 17 finished the Alster loop. You two are officially the best coaches this club has ever had. N.
"""), Q(FREYA, "2025-10-25 11:58", """
Photos from the finish line! Look at Herr Schröder's face, he's 71 and he sprinted the last 200 m.
""", to=NIKLAS)], text="""
Hi both,

I'm still grinning. Seventeen people who couldn't run for two minutes in September, and today all of them did 7.4 km without stopping. Herr Schröder's sprint is going on our fridge.

Let's do another group in spring. I'd start in March again and maybe add a second meeting point in Ottensen for the people from the west.

Thanks! J
"""),
    M("25-lena-english-investors", "2025-05-20 10:30", acct="studio", client="apple", to=LENA, cc=LENA_ASSIST,
      subject="Re: Visitors from Copenhagen", lang="en", quotes=[Q(LENA, "2025-05-19 18:22", """
Dear Ms Weber,

next Tuesday we have a group of investors from Copenhagen visiting, and they would love to see the Brooksfleet roof. Could you give them a short tour in English, around 11:00? About 30 minutes.

Best regards,
Lena Hoffmann
""")], text="""
Dear Dr. Hoffmann,

of course, I'd be happy to. Tuesday at 11:00 works, and I'll keep it to 30 minutes.

I'd suggest three stops: the pergola, where I can explain the load distribution along the fire wall; the raised beds, where Mr Lüders usually sits on Tuesday mornings and loves to talk to visitors; and the north corner with the wild bee hotels, which is the best view over the Speicherstadt.

If it rains, we can do the first part under the pergola and skip the bee hotels. Could Ms Voss let me know how many people are coming, so I can bring enough copies of the plan?

Kind regards,
Jen Weber
"""),
    M("25-anna-altona-lunch", "2025-12-22 12:40", to=ANNA, subject="Lunch in January", lang="en", client="gmail",
      html="alt", text="""
Hi Anna,

how about Thursday 15 January, 12:30, at the Café Rose on Ottenser Hauptstraße? It's halfway between your new office and mine, and they have the good lentil soup.

I'll bring the school courtyard plans. Not because I want anything from the parks department, of course.

Merry Christmas!
Jen
"""),
]

EMAILS += [
    M("25-fwd-manchester", "2025-05-12 08:35", to=MAX, subject="Fwd: Landscape Futures – your travel details",
      lang="en", fwd=Q(SOPHIE, "2025-05-09 15:20", """
Dear Jen,

here are your travel details for Landscape Futures. Flight: EW 7462 Hamburg–Manchester, 23 June, 17:55. Hotel: The Midland, Peter Street, one night (23–24 June). Your session starts at 14:00 on the 24th in Room 3B.

Best wishes,
Sophie
""", subject="Landscape Futures – your travel details", to=JEN_MAIN), text="""
Hey you,

my Manchester dates, so you can put them in the kitchen calendar: I fly out on Monday 23 June at 17:55 and I'm back on Tuesday night, probably around 23:00.

Can you take Katrin's bike key to the repair shop on Tuesday? They close at 18:00.

Thanks! J
"""),
]
