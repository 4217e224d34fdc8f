"""Fictional contributions written for Engage's demo. Any likeness to a real person is chance."""

SOURCES = [
    "Healthwatch Lambeth — Going Home",
    "Healthwatch Lambeth — GP access survey",
    "Citizens' Board listening event",
    "Carers' Hub phone calls",
    "Age UK Lambeth coffee morning",
]

I_STATEMENTS = [
    "I want to tell my story once, not to every new person who walks through the door.",
    "I want someone to ring me back when they say they will.",
    "I want to be able to get a GP appointment without ringing at 8am on the dot and being 30th in the queue.",
    "I want the letters about my care to be in words I understand, not codes and abbreviations.",
    "I want my daughter to be listened to, she knows my mum's needs better than anyone.",
    "I need to know who to call when things go wrong at the weekend.",
    "I want to choose what time the carers come so I can still go to my lunch club on Thursdays.",
    "I want the nurse and the social worker to talk to each other before they talk to me.",
    "I would like to be treated as a person and not as a bed number.",
    "I want to be able to stay in my own flat for as long as I can.",
    "I need help filling in the forms for my benefits, I get lost halfway through.",
    "I want someone who speaks Portuguese at the appointments, my English is not good for medical words.",
    "I want the same carer most days, not a different face every morning.",
    "I want to feel safe walking to the health centre after dark.",
    "I want to be asked what matters to me, not just what is the matter with me.",
    "I want my care plan written with me, and a copy I can keep.",
    "I need the bus to the hospital to run more than once an hour.",
    "I want staff to have time to sit with me for five minutes.",
    "I want to know what groups there are near me, I didn't know about the walking group for two years.",
    "I want to manage my diabetes myself with the right support, not be told off at every check-up.",
    "I want my records to follow me so I don't have to carry a carrier bag of letters to every appointment.",
    "I want to be involved in decisions about services, not told about them after they're made.",
    "I want help with loneliness. Since my husband died I can go a week without talking to anyone.",
    "I want to use my direct payment to pay for a personal assistant I trust.",
    "I want the mental health team to still be there after six sessions.",
    "I want a proper answer when I complain, not a template letter.",
    "I want the receptionist to be kind. Sometimes that's the first person I've spoken to all day.",
    "I want help finding work that fits around my condition.",
    "I need my housing sorted before anything else, the damp is making my son's asthma worse.",
    "I want to be told what is happening when I'm discharged and who is coming to see me.",
    "I want you to act on what we told you last year before asking us again.",
    "I want people with learning disabilities to be part of the planning, not an afterthought.",
    "I want a single phone number that works, for all of it — GP, district nurse, social care.",
    "I want my son to be safe at his day centre and to be told straight away if something happens.",
    "I want carers to get a break. I haven't had a full night's sleep in three years.",
    "I want to be able to see the same GP for my long-term condition.",
    "I want you to stop using the word 'pathway' and tell me where I'm actually going.",
    "I want to be able to book and cancel appointments online, but still have a phone option for my dad.",
    "I want to have a say in how the money is spent in my area.",
    "I want services that understand my culture and don't make assumptions about my family.",
    "I want a follow-up call after I leave hospital, even just to check I've got my medication.",
    "I want the pharmacy, the GP and the hospital to agree about my medicines.",
    "I want to be able to exercise somewhere that isn't expensive and where I don't feel judged.",
    "I want help before I reach crisis, not only once I'm at A&E.",
    "I want to be treated with dignity when I need help with washing.",
    "I want my interpreter booked in advance, not for my neighbour's child to translate.",
    "I want to be believed when I say the pain is real.",
    "I want somewhere to go in the evenings that isn't the pub.",
    "I want the community centre to stay open, it is the only place I see people.",
    "I want to know the waiting time honestly so I can plan my life.",
    "I want professionals to read my notes before the appointment.",
    "I want to be able to bring my carer into the consultation without arguing about it.",
    "I want staff who are not rushed off their feet and burnt out.",
    "I want someone to check on my mum when I am at work.",
    "I want to get my money advice and my health advice in the same place.",
    "I want the social prescriber to have more than ten minutes with me.",
    "I want the phone line for the memory clinic to be answered.",
    "I need to be able to get a wheelchair taxi to my appointments without waiting two hours each way.",
    "I want my choices about the end of my life written down and respected.",
    "I want to be contacted by text, not letters that arrive after the appointment.",
    "I want to be part of a group of people like me so I don't feel like the only one.",
    "I want to be able to say no to a care home and have other options explained.",
    "I want my feedback to go somewhere and for someone to tell me what happened to it.",
    "I want to stop being passed from one service to another like a parcel.",
    "I want fewer forms and more conversations.",
    "I want to feel I can complain without my care getting worse.",
    "I want help to cook healthy food on a small budget.",
    "I want my young carer to get support at school.",
    "I want to be treated the same as anyone else, whatever my skin colour.",
    "I want information about services in Spanish and Portuguese, on paper and online.",
    "I want a key worker who knows my whole history.",
    "I want to be able to get my blood test done locally instead of going to St Thomas'.",
    "I want my care to be planned around my shifts, I can't take half a day off every time.",
    "I want the district nurses to tell me roughly when they are coming.",
    "I want people to stop assuming I can't make decisions because I'm old.",
    "I need to know that if I fall at night someone will come.",
    "I want support for my anxiety that doesn't have a nine-month waiting list.",
    "I want a say in who comes into my home.",
    "I want the council and the NHS to stop arguing about who pays.",
    "I want a reason when my appointment is cancelled, and a new date at the same time.",
    "I want somewhere I can drop in and ask a question without an appointment.",
    "I want my experience as a patient to count as expertise.",
    "I want to be able to see my own test results.",
    "I want the parks to be safe and clean so I can walk every day like the doctor told me.",
    "I want to be trusted to manage my own budget.",
    "I want to be warned about scams, my neighbour lost £2,000 on the phone.",
    "I want the people planning services to come to our estate and see it for themselves.",
    "I want peer support from people who have been through it.",
    "I want my GP to know about the voluntary groups and refer me to them.",
    "I want less jargon in meetings so I can take part properly.",
    "I want to be kept informed about my husband's care while he is in hospital.",
    "I want more than a leaflet when I am told I have a long-term condition.",
    "I want to keep my independence, even if it takes longer to do things myself.",
    "I want a ramp at the surgery entrance that actually works.",
    "I want the mental health crisis line to answer within minutes, not an hour.",
    "I want to feel like a partner, not a problem.",
    "I want someone to help me get out of the house — I've not been further than the corner shop since winter.",
    "I want to be given choices about where I have my treatment.",
    "I want my carers to be paid properly so they stay.",
    "I want help with my debts because the worry is making me ill.",
    "I want youth services back so young people have somewhere to go.",
    "I want honest conversations about what's possible, not promises nobody keeps.",
    "I want the hospital to tell my GP what happened before I go for my check-up.",
    "I want to be able to choose a female doctor.",
    "I want support that carries on after my son turns eighteen.",
    "I want to be told about personal budgets — nobody ever mentioned them to us.",
    "I want staff to be trained about autism.",
]

STORIES = [
    (
        "My dad came out of King's after a fall in March. He was told a carer would come the next morning. "
        "Nobody came. I rang the number on the discharge letter and it went to a voicemail that was full. "
        "In the end I took two days off work and stayed with him. When the carers did start, it was a "
        "different person every day and none of them knew he couldn't manage the stairs. He is doing better "
        "now but he is frightened of going back into hospital because of what happened after.",
        "en",
    ),
    (
        "I have had depression on and off for ten years. The talking therapy was good but it was six sessions "
        "and then it stopped. I was told to self-refer again if things got worse. By the time things were "
        "worse I couldn't face filling in the form. What helped was a peer group at the library on a Tuesday. "
        "Nobody there was a professional but they understood. I wish the doctors had told me about it sooner.",
        "en",
    ),
    (
        "My mother has dementia and I look after her. Last winter she was in and out of hospital three times. "
        "Each time I had to explain everything again: her medicines, that she doesn't eat unless you sit with "
        "her, that she gets frightened at night. The nurses were kind but they were so busy. On the ward they "
        "used words like 'medically optimised' and I had no idea what that meant. I just wanted someone to "
        "talk to me like a person and include me in the plan.",
        "en",
    ),
    (
        "When I was pregnant I was sent from the GP to the hospital to the health visitor and back again. "
        "Nobody seemed to have my notes. I had to repeat my history of miscarriage every time, which was "
        "very painful. The midwife at the end was wonderful, she spent time with me and gave me her direct "
        "number. That made all the difference. Everyone should have someone like that.",
        "en",
    ),
    (
        "I use a wheelchair. Getting to the hospital is the hardest part. The patient transport is booked "
        "for a window of four hours and sometimes it doesn't come, so I miss the appointment and then I "
        "am told I 'did not attend'. Last time I paid £38 for an accessible taxi. I am on benefits. "
        "I don't think the people who design these things have ever tried to use them.",
        "en",
    ),
    (
        "Minha mãe não fala inglês. Quando ela foi ao médico, não havia intérprete e o meu filho de doze "
        "anos teve de traduzir. Ele não conhecia as palavras e ficou muito nervoso. Saímos de lá sem saber "
        "que remédio ela devia tomar. Queremos ter um intérprete marcado com antecedência.",
        "pt",
    ),
    (
        "My son is autistic and has just turned eighteen. Overnight everything changed. The children's team "
        "closed his case and the adult team had a waiting list. We had a transition meeting but nobody from "
        "adult services came. For seven months we had nothing. He stopped going out. I gave up my job to be "
        "with him. Now we have a personal budget and a PA he likes, and he goes swimming twice a week. "
        "It works, but it should not have taken a crisis to get here.",
        "en",
    ),
    (
        "I rang the GP surgery at 8am every day for a week. Each time I was in a queue and when I got through "
        "all the appointments had gone. In the end I went to A&E with my chest infection because I didn't "
        "know what else to do. The doctor there said I should have seen my GP. I felt stupid and told off.",
        "en",
    ),
    (
        "I'm 82 and I live on my own in Streatham. Since my friend moved to her daughter's I don't really "
        "see anyone. The social prescriber put me in touch with a lunch club at the church and a man who "
        "rings me on Fridays. It sounds like a small thing but I look forward to it all week. I would like "
        "more of that and I think lots of people my age would.",
        "en",
    ),
    (
        "Our district nurse was brilliant with my husband's leg ulcers. She explained everything and showed "
        "me how to help. Then she left and it was agency nurses after that, a different one every visit. "
        "One of them didn't know he was diabetic. I had to keep a notebook by the bed to tell each of them "
        "what the last one did. I felt like I was the one coordinating his care.",
        "en",
    ),
    (
        "I was sectioned two years ago. The police were involved and it was frightening. Afterwards nobody "
        "explained what had happened or what my rights were. Since then the community team has been good "
        "and I have a care coordinator I trust. But when she is on leave there is no one, and that is when "
        "I get scared. I want a plan for those weeks too.",
        "en",
    ),
    (
        "My neighbour is in her nineties and had a phone call from someone saying they were from her bank. "
        "She gave them her card number. When I found out I called the police and they were helpful, but she "
        "was so ashamed she didn't want anyone to know. I think older people need more warnings about this and "
        "someone to talk to afterwards.",
        "en",
    ),
    (
        "Mi padre tuvo un derrame cerebral. En el hospital nos trataron bien, pero cuando volvió a casa nadie "
        "nos explicó qué hacer. Las cartas llegaban en inglés y no entendíamos las citas. Necesitamos "
        "información en español y una persona de contacto.",
        "es",
    ),
    (
        "I care for my wife who has MS. I didn't think of myself as a carer until someone at the carers' hub "
        "used the word. They sorted a carer's assessment and now I get a few hours' break a week. I use it to "
        "play football with my mates. It has saved my mental health. Nobody at the hospital or GP ever asked "
        "how I was coping.",
        "en",
    ),
    (
        "After my diagnosis of type 2 diabetes I was given a leaflet and told to lose weight. That's it. "
        "Months later a friend told me about a course at the leisure centre run by people who have diabetes "
        "themselves. I learned more in six weeks there than in years of check-ups. My numbers are much better. "
        "Why doesn't everyone get told about this on day one?",
        "en",
    ),
    (
        "I have sickle cell. When I go to A&E in crisis I am often left for hours and sometimes treated like I "
        "am there for the drugs. Once a nurse said it out loud. The pain is unbearable and being disbelieved "
        "makes it worse. The haematology team are excellent, but A&E staff need training and they need to read "
        "my care plan.",
        "en",
    ),
    (
        "The day centre my brother goes to is the best thing in his life. The staff know him, they know what "
        "upsets him and what calms him down. There are rumours it will close. Please ask the families before "
        "anything is decided. We have ideas and we know what works for our relatives.",
        "en",
    ),
    (
        "I was discharged on a Friday evening with a bag of medicines and no explanation. The pharmacy "
        "was closed on the Saturday when I realised one was missing. I rang 111 and they were helpful but I "
        "spent the whole weekend worried. A phone call on Monday from the ward would have meant a lot.",
        "en",
    ),
    (
        "We live in a two-bedroom flat with five of us and there is mould in the bathroom that keeps coming "
        "back. My youngest has been in hospital twice with his breathing. The doctor wrote a letter to the "
        "council. Nothing has changed. I feel like health and housing don't talk to each other.",
        "en",
    ),
    (
        "My husband has Parkinson's. The specialist nurse is a lifeline — I can email her and she answers "
        "within a day. I wish everything worked like that. When we need social care it is a completely "
        "different world of forms and assessments and nobody knows who is dealing with us.",
        "en",
    ),
    (
        "I went to a Citizens' Board meeting for the first time last year. At first I didn't understand half "
        "of what was being said, there were so many acronyms. Someone sat next to me and explained. Now I "
        "chair one of the groups. It made me feel I could change things. More people should be asked, "
        "especially young people and people from my community.",
        "en",
    ),
    (
        "My mum is in a care home in Norwood. The staff are lovely but there are not enough of them. She "
        "sometimes waits a long time for help to the toilet. When I raised it I was told they were 'within "
        "ratios'. She has lost her dignity and I don't know who else to tell.",
        "en",
    ),
    (
        "I have HIV and I have been well for years. What I struggle with is being asked about it again and "
        "again at appointments that have nothing to do with it, often in front of students, without being "
        "asked if that's OK. It makes me not want to go.",
        "en",
    ),
    (
        "I was homeless for eight months. Getting registered with a GP without an address was nearly "
        "impossible. A nurse at the day centre for homeless people helped me, and through her I got mental "
        "health support and then housing. She saw me as a whole person. Services should be built around "
        "people like her.",
        "en",
    ),
    (
        "Our local pharmacy closed and now my dad has to get two buses to collect his prescriptions. He has "
        "COPD and can't manage it in winter. We asked about delivery but were told there's a long wait to "
        "sign up. It seems like such a small fix.",
        "en",
    ),
    (
        "My daughter self-harmed when she was fourteen. CAMHS had a waiting list of months. The school "
        "counsellor was amazing but only had her for six weeks. We paid privately in the end, which we "
        "couldn't really afford. I dread to think what happens to families who can't.",
        "en",
    ),
    (
        "I'm a personal assistant paid by a direct payment. I love my job and the man I support has his life "
        "back — we go to the market, to church, to see his sister. But the paperwork for him is a nightmare "
        "and the council changes the rules every year. It shouldn't be this hard to do the right thing.",
        "en",
    ),
    (
        "I had a good experience at the new health and wellbeing hub. I went about my blood pressure and the "
        "nurse also asked about my money worries and put me in touch with a debt adviser in the same building. "
        "I didn't have to tell my story twice. That's what joined up should mean.",
        "en",
    ),
    (
        "My wife died at home, as she wanted. The palliative care team were wonderful. What let us down was "
        "the equipment — the hospital bed took a week to arrive and we had no idea who to chase. In the last "
        "weeks of someone's life a week is a long time.",
        "en",
    ),
    (
        "I asked for a female doctor for an intimate examination and was told there was nobody available for "
        "three weeks, and that I was being difficult. I went ahead with a male doctor because I was worried. "
        "I felt uncomfortable the whole time. My faith is important to me and I want it respected.",
        "en",
    ),
    (
        "I'm a nurse and I live in Lambeth too. I see both sides. Staff want to do more but we are always "
        "firefighting. When we get the time to properly know a patient, the outcomes are better and honestly "
        "the job is better. Please fund continuity, not just more throughput.",
        "en",
    ),
    (
        "Moja babcia mieszka sama i nie mówi dobrze po angielsku. Nie wie, gdzie szukać pomocy, kiedy czuje "
        "się samotna. Chcielibyśmy, żeby informacje o grupach były też po polsku.",
        "pl",
    ),
    (
        "After my stroke the physio at home was excellent but stopped after six weeks. I was just getting my "
        "confidence back. Then nothing. I found a stroke club at the leisure centre through a leaflet in the "
        "library. I think the physio should hand you over to something like that, not just stop.",
        "en",
    ),
    (
        "I volunteer at a food bank in Brixton. Many of the people we see have health problems made worse by "
        "stress and poor food. We have started having a health trainer come once a month and people really "
        "use it. Bringing services to where people already are works.",
        "en",
    ),
    (
        "My son was restrained on a mental health ward and we weren't told until two days later. He is "
        "twenty-three and he asked for us to be informed. When I complained I got a letter full of policy "
        "numbers. I want to know it won't happen to someone else.",
        "en",
    ),
    (
        "I have a hearing impairment. When I am called for my appointment in the waiting room I can't hear "
        "my name. I've missed appointments because of it. A screen or a buzzer, or just someone coming over "
        "to me, would solve it. I have asked three times.",
        "en",
    ),
]

WORKSHOP_NOTES = [
    "Health = being able to do what I want with my grandchildren",
    "Wellbeing means having people around you",
    "Knowing your neighbours",
    "Feeling listened to by the GP",
    "Stockwell Good Neighbours – befriending, shopping help",
    "Friday lunch club at St Michael's",
    "Too many phone numbers – one number please",
    "Carers need respite – nobody asks how we are",
    "Somali women's group meets at the library – health talks in Somali",
    "Walking group, Brockwell Park, Sat 10am",
    "Can't get GP appointments – 8am scramble",
    "Interpreters – book ahead, not family members",
    "Connector role: someone who knows what's out there and walks with you",
    "Jargon at meetings puts people off",
    "Youth club closed – nowhere for teenagers",
    "Men's Shed Norwood – woodwork, company, no pressure",
    "Health = sleep, money, a safe home",
    "Mould in flats making kids ill – housing + health",
    "Lambeth Portuguese Wellbeing Partnership – drop-in",
    "Trust – people don't trust services after bad experiences",
    "Peer support works – people who've been there",
    "Free exercise classes that feel welcoming",
    "Pharmacist knows us better than GP",
    "Faith groups as a route in – church, mosque, gurdwara",
    "Follow-up after hospital is missing",
    "Being treated as a whole person",
    "Community gardens – Loughborough Farm",
    "Libraries as health hubs?",
    "Debt advice in GP surgery",
    "Discrimination – some groups not believed about pain",
    "Want to be part of decisions from the start",
    "Transport to appointments – bus 2",
    "Social prescribing link workers – not enough time",
    "Food bank as a place to reach people",
    "Mental health crisis – where do you go at night?",
    "Older people scared of scams",
    "Digital exclusion – not everyone has a smartphone",
    "Tenants' association could host health checks",
    "Time banking – swap skills",
    "Young carers invisible at school",
    "Same carer every visit",
    "Health = feeling part of something",
    "Carers' Hub – advice line + breaks",
    "Dementia café, Kennington",
    "Records don't follow you",
    "Feedback disappears – tell us what happened",
    "Staff burnout – staff wellbeing matters too",
    "Loneliness after bereavement",
    "Brixton Library – reading group, IT help",
    "Job clubs linked to health support",
    "Plain English letters",
    "Choice – where, when, who",
    "Personal budgets – nobody told us",
    "Trusted community leaders as connectors",
    "Safe spaces for LGBT+ older people",
    "Dignity in care homes",
    "Accessible buildings – ramps, hearing loops",
    "Mosque wellbeing sessions after Friday prayers",
    "Healthwatch to come to our estate",
    "Sickle cell – A&E training needed",
    "Parents' group for children with SEND",
    "Waiting lists – tell us honestly",
    "Navigation: who do I call?",
    "Local radio to share information",
    "Children's centre closed – where now?",
    "Group for people with long COVID",
    "Exercise on prescription – gym too expensive after",
    "Pop-up health checks at the market",
    "Veterans breakfast club",
    "Cooking on a budget classes",
    "Domestic abuse – staff need to ask safely",
    "Hoarding – people ashamed to ask for help",
    "Benefits advice – forms too hard",
    "Caribbean elders' lunch club, Tulse Hill",
    "Credit union – help with money worries",
    "Language cafés – practise English, meet people",
    "Connectors should be paid, not just volunteers",
    "Bring services to where people already go",
    "Co-production = equal power, not consultation",
    "Wheelchair taxis – unreliable",
    "Self-management courses for diabetes",
    "Out-of-hours support for families",
    "Kindness matters – reception staff",
    "Continuity – see the same person",
    "Shared care record",
    "Discharge planning starts too late",
    "Carers' assessments – what's the point if nothing follows?",
    "Mutual aid groups from lockdown still going",
    "Faith and health: pastor trained in mental health first aid",
    "Play streets – children outside safely",
    "Cost of living – heating or eating",
    "Access to green space",
    "Sense of community = health",
    "Neighbourhood WhatsApp groups",
    "Training for staff about autism",
    "Keep the community centre open",
    "Community champions – paid, trained",
    "Trust is built face to face",
    "Health = being able to work",
    "Shorter forms, more conversations",
]
